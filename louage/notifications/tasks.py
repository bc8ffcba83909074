import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from louage.core import clock, mail

logger = logging.getLogger("louage.notifications")


@task()
def send_notification_email(notification_id, ticket_reservation_id=None, attempt=0):
    """Send one notification by email (HTML and plain text, in the user's language), with
    the PDF ticket attached when given. Runs in the task worker, never in a web request;
    when the mail server fails, the same task tries again later (louage.core.mail)."""
    from .models import Notification

    notification = (
        Notification.objects.select_related("user")
        .filter(pk=notification_id, emailed_at__isnull=True)
        .first()
    )
    if notification is None or not notification.user.is_active or not notification.user.email:
        return False
    user = notification.user
    reservation_url = (
        settings.SITE_URL + reverse("booking:detail", args=[notification.reservation_id])
        if notification.reservation_id
        else settings.SITE_URL + reverse("booking:mine")
    )
    from .services import localize, recipient_language

    language = recipient_language(user)
    with translation.override(language):
        notification.title, notification.body = localize(notification)
        context = {
            "notification": notification,
            "user": user,
            "site_url": settings.SITE_URL,
            "greeting_name": user.first_name,
            "reservation_url": reservation_url,
            "ticket_attached": bool(ticket_reservation_id),
        }
        text = render_to_string("notifications/email/notification.txt", context)
        html = render_to_string("notifications/email/notification.html", context)
    message = EmailMultiAlternatives(
        subject=f"[Louage] {notification.title}",
        body=text,
        to=[user.email],
        from_email=settings.DEFAULT_FROM_EMAIL,
    )
    message.attach_alternative(html, "text/html")
    if ticket_reservation_id:
        from louage.booking.models import Reservation
        from louage.tickets.pdf import render_ticket_pdf

        reservation = Reservation.objects.select_related(
            "trip__origin", "trip__destination", "trip__vehicle", "client"
        ).get(pk=ticket_reservation_id)
        message.attach(
            f"billet-{reservation.code}.pdf",
            render_ticket_pdf(reservation, language=language),
            "application/pdf",
        )
    try:
        message.send()
    except OSError as exc:  # smtplib.SMTPException is an OSError
        return mail.try_again_later(
            send_notification_email, notification_id, ticket_reservation_id, attempt=attempt,
            error=exc, what=f"notification {notification_id} email",
        )  # fmt: skip
    Notification.objects.filter(pk=notification.pk).update(emailed_at=clock.now())
    return True


@task()
def send_push_notification(notification_id):
    """Send one in-app notification to the user's subscribed browsers (Web Push). Runs in the
    task worker; a failing push service never fails anything else, and a subscription the
    service says is gone (404/410) is deleted."""
    from .services import push_notification

    return push_notification(notification_id)
