import hmac
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from louage.accounts.models import Role
from louage.core import clock
from louage.core.decorators import role_required
from louage.core.errors import InvalidInput
from louage.core.times import day_bounds, local_today
from louage.notifications.models import Notice
from louage.stations.services import station_of

from . import selectors, services


def _plain(text, status=200):
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@login_not_required  # Kannel calls it; the message's token is the key
@require_GET
def delivery_report(request, token):
    """Kannel's dlr-url: `type` is the report (%d). The token in the path names the message."""
    try:
        message = services.record_delivery_report(token=token, report_type=request.GET.get("type"))
    except InvalidInput:
        return _plain("type must be a Kannel delivery report type (1, 2, 4, 8, 16)\n", 400)
    if message is None:
        raise Http404
    return _plain(f"{message.status}\n")


@login_not_required  # Kannel calls it, with KANNEL_INBOUND_TOKEN
@require_GET
def inbound(request):
    """Kannel's sms-service get-url: `from`, `text`, `token`. The answer is empty: replies
    leave through the task worker, like every other SMS (omit-empty in kannel.conf)."""
    expected = settings.KANNEL_INBOUND_TOKEN
    given = request.GET.get("token", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return _plain("bad token\n", 403)
    try:
        services.receive_sms(sender=request.GET.get("from", ""), text=request.GET.get("text", ""))
    except InvalidInput as exc:
        return _plain(f"{exc.code}: {exc}\n", 400)
    return _plain("")


@role_required(Role.CHIEF, Role.ADMIN)
def notice_messages(request, notice_id):
    """Each SMS of a notice with its state, for the chief who posted it (admins: any)."""
    notices = Notice.objects.select_related("station")
    if request.user.role == Role.CHIEF:
        station = station_of(request.user)
        notices = notices.filter(station=station) if station else notices.none()
    notice = get_object_or_404(notices, pk=notice_id)
    messages = selectors.messages_of_notice(notice)
    template = "sms/_notice_messages.html" if request.htmx else "sms/notice_messages.html"
    return render(request, template, {"notice": notice, "sms_messages": messages})


@role_required(Role.ADMIN)
def daily_report(request):
    """SMS per day over the last 30 days: count, segments, delivery and the estimated cost."""
    today = local_today()
    start, _ = day_bounds(today - timedelta(days=29))
    _, end = day_bounds(today)
    days = selectors.daily_figures(start=start, end=min(end, clock.now() + timedelta(days=1)))
    totals = {
        key: sum(day[key] or 0 for day in days)
        for key in ("messages", "segments", "delivered", "failed", "waiting", "cost")
    }
    return render(
        request,
        "sms/daily_report.html",
        {
            "days": days,
            "totals": totals,
            "cost_per_segment": settings.SMS_COST_MILLIMES,
            "backend": settings.SMS_BACKEND,
        },
    )
