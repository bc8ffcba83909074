from datetime import datetime
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from louage.core.times import TUNIS
from louage.core.widgets import DateInput, TimeInput
from louage.stations.cities import CITY_CHOICES, city_label
from louage.stations.models import Station

from .models import TripStatus

# Inputs that suggest the network's cities and stations as the traveller types (places.js).
PLACE_ATTRS = {"autocomplete": "off", "data-places": "", "spellcheck": "false"}


class SearchForm(forms.Form):
    """Origin and destination take a city or station name (Latin or Arabic, any accents and
    case) or a station id."""

    origin = forms.CharField(
        label=_("Départ"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={**PLACE_ATTRS, "placeholder": "Tunis"}),
    )
    destination = forms.CharField(
        label=_("Arrivée"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={**PLACE_ATTRS, "placeholder": "Sousse"}),
    )
    date = forms.DateField(label=_("Date"), required=False, widget=DateInput())
    seats = forms.IntegerField(
        label=_("Places"), min_value=1, max_value=8, initial=1, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Example cities in the page's language (سوسة on Arabic pages).
        self.fields["origin"].widget.attrs["placeholder"] = city_label("Tunis")
        self.fields["destination"].widget.attrs["placeholder"] = city_label("Sousse")


class TripForm(forms.Form):
    field_aliases = {"price": "price_dt"}  # the service speaks millimes, the form dinars

    destination_id = forms.TypedChoiceField(label=_("Arrivée"), coerce=int)
    vehicle_id = forms.TypedChoiceField(label=_("Véhicule"), coerce=int)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    time = forms.TimeField(label=_("Heure (Tunis)"), widget=TimeInput())
    price_dt = forms.DecimalField(
        label=_("Prix par place (DT)"), min_value=Decimal("0.001"), max_digits=7, decimal_places=3,
        help_text=_("Ex. 12.500 pour 12,500 DT"),
    )  # fmt: skip
    seats_total = forms.IntegerField(
        label=_("Places mises en vente"), min_value=1, max_value=9, required=False,
        help_text=_("Par défaut : toutes les places du véhicule"),
    )  # fmt: skip

    def __init__(self, *args, origin=None, **kwargs):
        """`origin` is the chief's station (or the edited trip's); None lets an admin choose,
        and then the vehicles offered are those of the chosen origin (trip-form.js reloads
        them when the origin changes), never every vehicle of the network."""
        super().__init__(*args, **kwargs)
        stations = [
            (s.pk, s.choice_label)
            for s in Station.objects.filter(is_active=True).order_by("city", "name")
        ]
        blank = [("", "—")]
        if origin is None:
            self.fields = {
                "origin_id": forms.TypedChoiceField(
                    label=_("Station de départ"), coerce=int, choices=blank + stations
                ),
                **self.fields,
            }
            origin = _station_or_none(self.data.get("origin_id") or self.initial.get("origin_id"))
        else:
            stations = [choice for choice in stations if choice[0] != origin.pk]
        vehicles = origin.vehicles.filter(active=True).order_by("plate") if origin else []
        self.fields["destination_id"].choices = blank + stations
        self.fields["vehicle_id"].choices = blank + vehicle_choices(vehicles)

    def service_data(self):
        data = self.cleaned_data
        departure = datetime.combine(data["date"], data["time"], tzinfo=TUNIS)
        result = {
            "destination_id": data["destination_id"],
            "vehicle_id": data["vehicle_id"],
            "departure": departure,
            # Decimal arithmetic: "12.500" DT is exactly 12500 millimes.
            "price": int(data["price_dt"] * 1000),
            "seats_total": data.get("seats_total"),
        }
        if "origin_id" in data:
            result["origin_id"] = data["origin_id"]
        return result


def vehicle_choices(vehicles):
    return [
        (v.pk, _("%(plate)s — %(seats)s places") % {"plate": v.plate, "seats": v.seats})
        for v in vehicles
    ]


def _station_or_none(value):
    try:
        return Station.objects.filter(pk=int(value), is_active=True).first()
    except (TypeError, ValueError, OverflowError):
        return None


class TripFilterForm(forms.Form):
    WHEN_CHOICES = [("coming", _("À venir")), ("past", _("Passés")), ("all", _("Tous"))]

    when = forms.ChoiceField(label=_("Période"), required=False, choices=WHEN_CHOICES)
    date = forms.DateField(label=_("Jour"), required=False, widget=DateInput())
    destination = forms.TypedChoiceField(
        label=_("Arrivée"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(
        label=_("Statut"), required=False, choices=[("", _("Tous")), *TripStatus.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stations = Station.objects.order_by("city", "name")
        self.fields["destination"].choices = [("", _("Toutes"))] + [
            (s.pk, s.choice_label) for s in stations
        ]


class FareForm(forms.Form):
    field_aliases = {"price": "price_dt"}

    origin_city = forms.ChoiceField(label=_("Ville de départ"), choices=CITY_CHOICES)
    destination_city = forms.ChoiceField(label=_("Ville d'arrivée"), choices=CITY_CHOICES)
    price_dt = forms.DecimalField(
        label=_("Tarif officiel par place (DT)"), min_value=Decimal("0.001"), max_digits=7,
        decimal_places=3, help_text=_("Ex. 12.750 pour 12,750 DT"),
    )  # fmt: skip

    def service_data(self):
        data = self.cleaned_data
        return {
            "origin_city": data["origin_city"],
            "destination_city": data["destination_city"],
            "price": int(data["price_dt"] * 1000),
        }


class FareFilterForm(forms.Form):
    city = forms.ChoiceField(
        label=_("Ville"), required=False, choices=[("", _("Toutes")), *CITY_CHOICES]
    )
