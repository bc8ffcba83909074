"""Queries about SMS: who can be texted, the states of a notice's messages, daily figures."""

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from louage.core.times import TUNIS

from .models import SmsMessage, SmsOptOut, SmsStatus


def sms_enabled():
    return settings.SMS_BACKEND in ("kannel", "console")


def opted_out(phone):
    return SmsOptOut.objects.filter(phone=phone).exists()


def can_text(phone):
    """An SMS would go to this number: SMS are on, and it never said STOP (or said START)."""
    return bool(phone) and sms_enabled() and not opted_out(phone)


def notice_states(notice_ids):
    """{notice id: {"total", "queued", "sent", "delivered", "failed"}} in one query."""
    rows = (
        SmsMessage.objects.filter(notice_id__in=list(notice_ids))
        .values("notice_id")
        .annotate(
            total=Count("pk"),
            **{status: Count("pk", filter=Q(status=status)) for status in SmsStatus.values},
        )
    )
    return {row.pop("notice_id"): row for row in rows}


def messages_of_notice(notice):
    return SmsMessage.objects.filter(notice=notice).order_by("pk")


def daily_figures(*, start, end):
    """Per Africa/Tunis day in [start, end): messages, segments (billed), delivered, failed,
    and the estimated cost (SMS_COST_MILLIMES per segment), newest day first."""
    rows = (
        SmsMessage.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=TUNIS))
        .values("day")
        .annotate(
            messages=Count("pk"),
            segments=Sum("segments"),
            delivered=Count("pk", filter=Q(status=SmsStatus.DELIVERED)),
            failed=Count("pk", filter=Q(status=SmsStatus.FAILED)),
            waiting=Count("pk", filter=Q(status__in=[SmsStatus.QUEUED, SmsStatus.SENT])),
        )
        .order_by("-day")
    )
    days = []
    for row in rows:
        row["cost"] = (row["segments"] or 0) * settings.SMS_COST_MILLIMES
        days.append(row)
    return days
