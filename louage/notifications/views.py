from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from louage.accounts.models import Role
from louage.core import clock
from louage.core.decorators import role_required
from louage.core.errors import DomainError
from louage.core.forms import apply_domain_error
from louage.core.pagination import paginate_request
from louage.stations.services import station_of
from louage.trips.models import Trip, TripStatus

from . import services
from .models import Notification


@login_required
def notification_list(request):
    page, querystring = paginate_request(
        request, Notification.objects.filter(user=request.user).order_by("-created_at", "-pk")
    )
    return render(request, "notifications/list.html", {"page": page, "querystring": querystring})


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
    trips = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Départs"),
        queryset=Trip.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    text = forms.CharField(
        label=gettext_lazy("Message"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, station, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trips"].queryset = (
            Trip.objects.filter(
                origin=station, status=TripStatus.SCHEDULED, departure__gt=clock.now()
            )
            .select_related("destination")
            .order_by("departure")
        )
        self.fields["trips"].label_from_instance = lambda t: (
            f"{t.departure.astimezone(clock.now().tzinfo).strftime('%d/%m %H:%M')} → {t.destination.city}"
        )


@role_required(Role.CHIEF)
def notice_form(request):
    station = station_of(request.user)
    if station is None:
        messages.error(request, _("Vous ne dirigez aucune station."))
        return redirect("home")
    form = NoticeForm(request.POST or None, station=station)
    if request.method == "POST" and form.is_valid():
        try:
            _notice, count = services.post_notice(
                by=request.user, trips=form.cleaned_data["trips"], text=form.cleaned_data["text"]
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Message envoyé à %(n)s voyageur(s).") % {"n": count})
            return redirect("notifications:notice")
    return render(request, "notifications/notice_form.html", {"form": form, "station": station})
