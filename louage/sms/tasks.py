import logging

from django_tasks import task

from louage.core import mail

from . import gateway, selectors, services
from .models import SmsMessage, SmsStatus

logger = logging.getLogger("louage.sms")


@task()
def send_sms(message_id, attempt=0):
    """Hand one queued SMS to the gateway. Runs in the task worker, never in a web request;
    when the gateway fails, the same task tries again later with growing pauses
    (louage.core.mail's retry steps), then the message is marked failed."""
    message = SmsMessage.objects.filter(pk=message_id, status=SmsStatus.QUEUED).first()
    if message is None:  # already sent (a task run twice) or gone
        return False
    if message.kind != "stopped" and selectors.opted_out(message.to):
        services.mark_failed(message, "the number sent STOP")
        return False
    SmsMessage.objects.filter(pk=message.pk).update(attempts=attempt + 1)
    try:
        gateway.send(message)
    except gateway.GatewayError as exc:
        if mail.retry_at(attempt + 1) is None:
            services.mark_failed(message, exc)
        else:
            SmsMessage.objects.filter(pk=message.pk).update(error=str(exc)[:200])
        return mail.try_again_later(
            send_sms, message_id, attempt=attempt, error=exc, what=f"SMS {message_id}"
        )
    services.mark_sent(message)
    return True
