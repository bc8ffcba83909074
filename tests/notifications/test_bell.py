"""Visiting the notifications page clears the bell."""

import pytest

from louage.notifications.models import Notification
from louage.notifications.services import unread_count
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_viewing_the_notifications_page_clears_the_bell_and_still_marks_them_new_once(client):
    user = ClientFactory()
    for n in range(3):
        Notification.objects.create(user=user, kind="info", title=f"Avis {n}", body="…")
    other = Notification.objects.create(user=ClientFactory(), kind="info", title="x", body="y")
    client.force_login(user)
    assert unread_count(user) == 3
    first = client.get("/notifications/")
    assert first.status_code == 200
    assert all(n.read_at is None for n in first.context["page"])  # shown as new this once
    assert unread_count(user) == 0
    bell = first.content.decode().split('data-testid="bell"', 1)[1].split("</a>", 1)[0]
    assert 'class="count"' not in bell  # the page's own bell is already clear
    other.refresh_from_db()
    assert other.read_at is None  # someone else's stays unread
