"""Email that an SMTP outage delays, never loses, and never turns into a failed request.

A message is sent at once when the mail server answers; when it does not (refused,
timed out, 4xx/5xx), the rendered message goes to the task queue and the worker tries again
later, with growing pauses, for about a day. The traveller's sign-up, password reset or
email change succeeds either way.
"""

import logging
from datetime import timedelta
from email.mime.base import MIMEBase

from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend
from django_tasks import task

from louage.core import clock

logger = logging.getLogger("louage.mail")

# Seconds before each new try; about 24 hours in all.
RETRY_DELAYS = (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 28800)


def retry_at(attempt):
    """When try number `attempt` (1 = the first retry) runs, or None when it is too late."""
    if attempt > len(RETRY_DELAYS):
        return None
    return clock.now() + timedelta(seconds=RETRY_DELAYS[attempt - 1])


def try_again_later(task, *args, attempt, error, what, **kwargs):
    """After try `attempt` (0: the first send) failed with `error`: queue `task` again with the
    next attempt number at its time, or give up after the last. Returns False (not sent)."""
    later = retry_at(attempt + 1)
    if later is None:
        logger.error("%s given up after %s tries (%s)", what, attempt + 1, error)
        return False
    logger.warning("%s not sent (%s): try %s later", what, error, attempt + 1)
    task.using(run_after=later).enqueue(*args, attempt=attempt + 1, **kwargs)
    return False


def send_or_queue(message):
    """Send `message` now; on a mail server failure queue it for the worker. → sent now?"""
    try:
        message.send()
        return True
    except OSError as exc:  # smtplib.SMTPException is an OSError
        return try_again_later(
            send_queued_email, data=_as_data(message), attempt=0, error=exc,
            what=f"mail to {', '.join(message.to)}",
        )  # fmt: skip


@task()
def send_queued_email(data, attempt=1):
    """One try of a queued message; queues the next try on a mail server failure."""
    try:
        _from_data(data).send()
        return True
    except OSError as exc:
        return try_again_later(
            send_queued_email, data=data, attempt=attempt, error=exc,
            what=f"mail to {', '.join(data['to'])}",
        )  # fmt: skip


def _as_data(message):
    # Task arguments are JSON: the rendered text, never the objects that rendered it.
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": {str(k): str(v) for k, v in (message.extra_headers or {}).items()},
        "alternatives": [
            [str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
        "content_subtype": message.content_subtype,
    }


def _from_data(data):
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data.get("cc"),
        bcc=data.get("bcc"),
        reply_to=data.get("reply_to"),
        headers=data.get("headers"),
    )
    message.content_subtype = data.get("content_subtype", "plain")
    for content, mimetype in data.get("alternatives", []):
        message.attach_alternative(content, mimetype)
    return message


class ConsoleBackend(ConsoleEmailBackend):
    """Development's console: each email as a reader wants it — its headers, its text part
    as written, and one line per HTML part and attachment instead of their encoded bytes (a
    ticket's PDF is thousands of base64 lines that hid the activation link above it)."""

    def write_message(self, message):
        lines = [
            f"From: {message.from_email}",
            f"To: {', '.join(message.to)}",
            f"Subject: {message.subject}",
        ]
        lines += ["", str(message.body).rstrip(), ""]
        for content, mimetype in getattr(message, "alternatives", []):
            lines.append(f"[{mimetype} part: {len(str(content))} characters, not shown]")
        for attachment in message.attachments:
            name, content, mimetype = _attachment_fields(attachment)
            lines.append(
                f"[attachment {name} ({mimetype}, {len(content or b'')} bytes), not shown]"
            )
        self.stream.write("\n".join(lines) + "\n")
        self.stream.write("-" * 79 + "\n")


def _attachment_fields(attachment):
    if isinstance(attachment, MIMEBase):
        payload = attachment.get_payload(decode=True) or b""
        return attachment.get_filename() or "?", payload, attachment.get_content_type()
    name, content, mimetype = attachment
    return name, content, mimetype or "application/octet-stream"
