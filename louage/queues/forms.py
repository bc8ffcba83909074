from django import forms
from django.utils.translation import gettext_lazy as _

from louage.stations.models import Station

from .models import NoShowFare

SEAT_CHOICES = [(n, n) for n in range(1, 9)]


class SeatsForm(forms.Form):
    seats = forms.TypedChoiceField(label=_("Places"), coerce=int, choices=SEAT_CHOICES, initial=1)


class SellForm(SeatsForm):
    passenger_name = forms.CharField(label=_("Nom du voyageur"), max_length=150)
    passenger_phone = forms.CharField(
        label=_("Téléphone"), max_length=32, required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )  # fmt: skip


class PlateForm(forms.Form):
    plate = forms.CharField(
        label=_("Immatriculation"), max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "123 TU 4567", "autocomplete": "off", "list": "station-plates"}),
    )  # fmt: skip


class NewQueueForm(forms.Form):
    destination_id = forms.TypedChoiceField(label=_("Nouvelle file vers"), coerce=int)

    def __init__(self, *args, station, **kwargs):
        super().__init__(*args, **kwargs)
        served = station.queues.values_list("destination_id", flat=True)
        stations = (
            Station.objects.filter(is_active=True)
            .exclude(pk=station.pk)
            .exclude(pk__in=served)
            .order_by("city", "name")
        )
        self.fields["destination_id"].choices = [(s.pk, s.choice_label) for s in stations]


class PolicyForm(forms.Form):
    no_show_fare = forms.ChoiceField(
        label=_("Billet d'un voyageur absent (réservé en ligne)"), choices=NoShowFare.choices
    )
