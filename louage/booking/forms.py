from django import forms
from django.utils.translation import gettext_lazy as _

from louage.core.widgets import DateInput
from louage.trips.models import Trip, TripKind, TripStatus

from .models import ReservationStatus


class ReserveForm(forms.Form):
    seats = forms.TypedChoiceField(
        label=_("Nombre de places"), coerce=int, choices=[(n, n) for n in range(1, 9)]
    )


class DeskSaleForm(forms.Form):
    """The departure is chosen in a picker (a day's departures at a time, never the whole
    month in one list); any bookable departure of the station is accepted."""

    trip = forms.ModelChoiceField(
        label=_("Départ"),
        queryset=Trip.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choisissez un départ."),
            "invalid_choice": _("Ce départ n'est plus en vente : choisissez-en un autre."),
        },
    )
    seats = forms.IntegerField(label=_("Places"), min_value=1, max_value=8, initial=1)
    passenger_name = forms.CharField(label=_("Nom du voyageur"), max_length=150)
    passenger_phone = forms.CharField(
        label=_("Téléphone du voyageur"), max_length=32, required=False
    )

    def __init__(self, *args, station, now, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trip"].queryset = Trip.objects.filter(
            origin=station,
            kind=TripKind.SCHEDULED,  # queue louages are sold from the desk page
            status=TripStatus.SCHEDULED,
            departure__gt=now,
            seats_available__gt=0,
        ).select_related("destination")


class StationReservationFilter(forms.Form):
    trip = forms.IntegerField(label=_("N° de départ"), required=False, min_value=1)
    date = forms.DateField(label=_("Date du départ"), required=False, widget=DateInput())
    status = forms.ChoiceField(
        label=_("Statut"), required=False, choices=[("", _("Tous")), *ReservationStatus.choices]
    )
