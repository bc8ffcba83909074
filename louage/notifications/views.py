import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from louage.accounts.models import Role
from louage.core import clock
from louage.core.decorators import role_required
from louage.core.errors import DomainError
from louage.core.forms import apply_domain_error
from louage.core.pagination import paginate_request
from louage.sms import selectors as sms_selectors
from louage.stations.services import station_of
from louage.trips.models import Trip, TripKind, TripStatus
from louage.trips.pickers import picker_context, wants_picker_only

from . import services
from .models import Notice, Notification


@login_required
def notification_list(request):
    page, querystring = paginate_request(
        request, Notification.objects.filter(user=request.user).order_by("-created_at", "-pk")
    )
    services.mark_shown(user=request.user, notifications=list(page))
    services.localize_all(page)  # in the page's language, whatever it was written in
    push = {"public_key": settings.WEBPUSH_VAPID_PUBLIC_KEY} if settings.WEBPUSH_ENABLED else None
    return render(
        request,
        "notifications/list.html",
        {"page": page, "querystring": querystring, "push": push},
    )


@login_required
@require_POST
def notification_read(request, notification_id):
    notification = get_object_or_404(Notification, pk=notification_id, user=request.user)
    services.mark_read(notification=notification, by=request.user)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=clock.now())
    return redirect("notifications:list")


class NoticeForm(forms.Form):
    """The departures come from a picker (one day at a time); any departure of the station
    still to leave is accepted."""

    trips = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Départs"),
        queryset=Trip.objects.none(),
        widget=forms.MultipleHiddenInput,
        error_messages={"required": gettext_lazy("Choisissez au moins un départ.")},
    )
    text = forms.CharField(
        label=gettext_lazy("Message"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, station, **kwargs):
        super().__init__(*args, **kwargs)
        # A loading louage's departure is when it started loading: still to leave.
        self.fields["trips"].queryset = (
            Trip.objects.filter(origin=station, status=TripStatus.SCHEDULED)
            .filter(Q(departure__gt=clock.now()) | Q(kind=TripKind.QUEUE))
            .select_related("destination")
        )


@role_required(Role.CHIEF)
def notice_form(request):
    station = station_of(request.user)
    if station is None:
        messages.error(request, _("Vous ne dirigez aucune station."))
        return redirect("home")
    form = NoticeForm(request.POST or None, station=station)
    wanted = request.POST.getlist("trips") or request.GET.getlist("trip")
    wanted = [value for value in wanted if value.isdigit() and len(value) <= 18]
    selected = list(form.fields["trips"].queryset.filter(pk__in=wanted).order_by("departure"))
    picker = picker_context(request, station, purpose="notice", selected=selected)
    picker.update({"picker_input": "checkbox", "picker_name": "trips"})
    if wants_picker_only(request):
        return render(request, "trips/_picker_options.html", picker)
    outcome = None
    sms_on = sms_selectors.sms_enabled()
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.post_notice(
                by=request.user, trips=form.cleaned_data["trips"], text=form.cleaned_data["text"]
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            if outcome.reached:
                if sms_on:
                    sent = ngettext(
                        "Message envoyé à %(n)s voyageur (dans l'application, par e-mail et par SMS).",
                        "Message envoyé à %(n)s voyageurs (dans l'application, par e-mail et par SMS).",
                        outcome.reached,
                    )
                else:
                    sent = ngettext(
                        "Message envoyé à %(n)s voyageur (dans l'application et par e-mail).",
                        "Message envoyé à %(n)s voyageurs (dans l'application et par e-mail).",
                        outcome.reached,
                    )
                messages.success(request, sent % {"n": outcome.reached})
                if not outcome.unreached:
                    return redirect("notifications:notice")
                # Sent: who could not be reached stays on the page, with their phone.
                form = NoticeForm(station=station)
            # Reached nobody: the typed text and the chosen departures stay, to send elsewhere.
    # The station's last notices with the state of their SMS (delivery reports update them).
    recent = list(Notice.objects.filter(station=station).order_by("-created_at", "-pk")[:5])
    states = sms_selectors.notice_states(notice.pk for notice in recent) if sms_on else {}
    for notice in recent:
        notice.sms_states = states.get(notice.pk)
    return render(
        request,
        "notifications/notice_form.html",
        {"form": form, "station": station, "outcome": outcome, "sms_on": sms_on,
         "recent_notices": recent, **picker},
    )  # fmt: skip


def _subscription_fields(request):
    """The fields of a browser's PushSubscription.toJSON() sent as JSON."""
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        return "", "", ""
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    values = (data.get("endpoint"), keys.get("p256dh"), keys.get("auth"))
    return tuple(value if isinstance(value, str) else "" for value in values)


@login_required
@require_POST
def push_subscribe(request):
    """This browser asks for the user's notifications by Web Push (push.js; CSRF header)."""
    endpoint, p256dh, auth = _subscription_fields(request)
    try:
        services.subscribe_push(user=request.user, endpoint=endpoint, p256dh=p256dh, auth=auth)
    except DomainError as error:
        return JsonResponse({"detail": str(error), "code": error.code}, status=error.status)
    return JsonResponse({"subscribed": True}, status=201)


@login_required
@require_POST
def push_unsubscribe(request):
    endpoint, _p256dh, _auth = _subscription_fields(request)
    removed = services.unsubscribe_push(user=request.user, endpoint=endpoint)
    return JsonResponse({"subscribed": False, "removed": removed})
