"""A mail server that is down delays account emails; it never fails the sign-up, the reset or
the notification, and the worker sends them once the server is back (real SMTP servers)."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from louage.accounts.models import User
from louage.core import mail
from tests.factories import ClientFactory
from tests.support.servers import free_port

from .test_web import SIGNUP

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    return settings


def queued(task_path):
    return DBTaskResult.objects.filter(task_path=task_path, status=TaskResultStatus.READY)


def run_due_tasks():
    """The worker, once, after moving every queued try's time to now."""
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(
        run_after=timezone.now() - timedelta(seconds=1)
    )
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


def test_sign_up_succeeds_while_the_mail_server_is_down_and_the_link_arrives_later(
    client, smtp_down, smtp_server
):
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302, response.content
    assert User.objects.filter(email=SIGNUP["email"]).exists()
    [task] = queued("louage.core.mail.send_queued_email")
    assert task.run_after > timezone.now()  # a minute later, not in a tight loop
    assert task.args_kwargs["kwargs"]["data"]["to"] == [SIGNUP["email"]]

    run_due_tasks()  # still down: a new try is queued, further away
    [again] = queued("louage.core.mail.send_queued_email")
    assert again.args_kwargs["kwargs"]["attempt"] == 2
    assert smtp_server.messages == []

    smtp_down.EMAIL_PORT = smtp_server.port  # the server is back
    run_due_tasks()
    message = smtp_server.wait_for(lambda m: SIGNUP["email"] in m["To"])
    assert not queued("louage.core.mail.send_queued_email").exists()
    key = re.search(r"/accounts/confirm-email/([^/\s]+)/", smtp_server.text_of(message)).group(1)
    confirmed = client.post(f"/accounts/confirm-email/{key}/", follow=True)
    assert confirmed.context["user"].is_authenticated


def test_a_password_reset_is_accepted_while_the_mail_server_is_down(client, smtp_down):
    user = ClientFactory()
    response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302, response.content
    [task] = queued("louage.core.mail.send_queued_email")
    assert task.args_kwargs["kwargs"]["data"]["to"] == [user.email]
    assert "/accounts/password/reset/key/" in task.args_kwargs["kwargs"]["data"]["body"]


def test_the_api_sign_up_answers_as_usual_while_the_mail_server_is_down(client, smtp_down):
    response = client.post(
        "/api/v1/auth/register",
        {k: v for k, v in SIGNUP.items() if k not in ("password1", "password2")}
        | {"password": SIGNUP["password1"]},
        content_type="application/json",
    )
    assert response.status_code == 202, response.content
    assert queued("louage.core.mail.send_queued_email").count() == 1


def test_a_queued_email_is_given_up_after_about_a_day(smtp_down):
    data = {"subject": "s", "body": "b", "from_email": "a@louage.tn", "to": ["x@example.tn"]}
    last = len(mail.RETRY_DELAYS)  # the first send, then this many tries
    assert sum(mail.RETRY_DELAYS) >= 20 * 3600
    assert mail.send_queued_email.call(data, attempt=last) is False
    assert not queued("louage.core.mail.send_queued_email").exists()
    assert mail.send_queued_email.call(data, attempt=last - 1) is False
    assert queued("louage.core.mail.send_queued_email").count() == 1


def test_a_notification_email_is_tried_again_when_the_mail_server_fails(smtp_down, smtp_server):
    from louage.notifications.models import Notification
    from louage.notifications.tasks import send_notification_email

    user = ClientFactory()
    notification = Notification.objects.create(
        user=user, kind="reservation.confirmed", title="Départ confirmé", body="Sousse"
    )
    assert send_notification_email.call(notification.pk) is False
    [task] = queued("louage.notifications.tasks.send_notification_email")
    assert task.args_kwargs["kwargs"]["attempt"] == 1
    smtp_down.EMAIL_PORT = smtp_server.port
    run_due_tasks()
    smtp_server.wait_for(lambda m: user.email in m["To"])
    notification.refresh_from_db()
    assert notification.emailed_at is not None
