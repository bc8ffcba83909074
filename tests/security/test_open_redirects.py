"""Finding 7: every redirect target is checked.

Attack: the admin's role-change form redirected to any `next`
(`https://evil.example/phish`, `//evil.example`). Every view that honours a `next` is walked
here with hostile targets; a source check keeps new views on the shared helper.
"""

import re
from pathlib import Path

import pytest

from louage.booking import services
from tests.factories import AdminFactory, ClientFactory

pytestmark = pytest.mark.django_db

EVIL = [
    "https://evil.example/phish",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    " https://evil.example",
]


def assert_stays_home(response):
    assert response.status_code in (302, 303), response.status_code
    location = response["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert "evil" not in location


@pytest.mark.parametrize("target", EVIL)
def test_role_change_form(client, target):
    client.force_login(AdminFactory())
    user = ClientFactory()
    response = client.post(
        f"/gestion/utilisateurs/{user.pk}/role/", {"role": "chief", "next": target}
    )
    assert_stays_home(response)


@pytest.mark.parametrize("target", EVIL)
def test_reservation_cancel_and_cash_confirmation(client, trip, client_user, target):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=1)
    client.force_login(trip.origin.chief)
    assert_stays_home(client.post(f"/reservations/{reservation.pk}/encaisser/", {"next": target}))
    other = services.reserve_seats(trip=trip, client=ClientFactory(), seats=1)
    assert_stays_home(client.post(f"/reservations/{other.pk}/annuler/", {"next": target}))


@pytest.mark.parametrize("target", EVIL)
def test_language_switch(client, target):
    assert_stays_home(client.post("/i18n/setlang/", {"language": "ar", "next": target}))


@pytest.mark.parametrize("target", EVIL)
def test_login_and_logout(client, client_user, password, target):
    login = client.post(
        "/accounts/login/", {"login": client_user.email, "password": password, "next": target}
    )
    assert_stays_home(login)
    assert_stays_home(client.post("/accounts/logout/", {"next": target}))


def test_a_next_inside_the_site_is_followed(client):
    client.force_login(AdminFactory())
    user = ClientFactory()
    response = client.post(
        f"/gestion/utilisateurs/{user.pk}/role/",
        {"role": "chief", "next": "/gestion/utilisateurs/?q=a"},
    )
    assert response["Location"] == "/gestion/utilisateurs/?q=a"


def test_every_view_reads_next_through_the_shared_helper():
    """A view that reads `next` by itself would escape the checks above."""
    root = Path(__file__).resolve().parents[2] / "louage"
    offenders = []
    for path in root.rglob("*.py"):
        text = path.read_text()
        if re.search(r"""(GET|POST|GET\.get|POST\.get)\(?\[?\s*["']next["']""", text):
            if path.relative_to(root).as_posix() != "core/net.py":
                offenders.append(str(path.relative_to(root)))
    assert offenders == []
