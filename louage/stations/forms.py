from django import forms
from django.utils.translation import gettext_lazy as _

from .cities import CITY_CHOICES
from .models import Station
from .selectors import available_chiefs


class StationChoiceField(forms.ModelChoiceField):
    """A station select that names stations as every list does (Station.choice_label)."""

    def label_from_instance(self, obj):
        return obj.choice_label


class StationForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=120)
    name_ar = forms.CharField(label=_("Nom en arabe"), max_length=120, required=False)
    city = forms.ChoiceField(label=_("Ville"), choices=[("", "—"), *CITY_CHOICES])
    phone = forms.CharField(label=_("Téléphone"), max_length=32, required=False)
    address = forms.CharField(label=_("Adresse"), max_length=255, required=False)
    latitude = forms.DecimalField(
        label=_("Latitude"), max_digits=9, decimal_places=6,
        help_text=_("Ex. 36.806500 — ou cliquez sur la carte"),
    )  # fmt: skip
    longitude = forms.DecimalField(
        label=_("Longitude"), max_digits=9, decimal_places=6,
        help_text=_("Ex. 10.181500 — ou cliquez sur la carte"),
    )  # fmt: skip
    chief_id = forms.TypedChoiceField(
        label=_("Chef de station"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, station=None, **kwargs):
        """Only chiefs free to take a station are offered (and the station's own)."""
        super().__init__(*args, **kwargs)
        chiefs = available_chiefs(station=station)
        self.fields["chief_id"].choices = [("", _("— aucun —"))] + [
            (c.pk, f"{c} ({c.email})") for c in chiefs
        ]


class StationFilterForm(forms.Form):
    q = forms.CharField(label=_("Rechercher"), required=False, max_length=100)
    city = forms.ChoiceField(
        label=_("Ville"), required=False, choices=[("", _("Toutes les villes")), *CITY_CHOICES]
    )


class VehicleForm(forms.Form):
    plate = forms.CharField(
        label=_("Immatriculation"), max_length=30, help_text=_("Ex. 123 TU 4567")
    )
    owner_name = forms.CharField(label=_("Propriétaire"), max_length=150)
    owner_phone = forms.CharField(
        label=_("Téléphone du propriétaire"), max_length=32, required=False
    )
    seats = forms.IntegerField(label=_("Places"), min_value=1, max_value=9, initial=8)
    active = forms.BooleanField(label=_("En service"), required=False, initial=True)

    def __init__(self, *args, choose_station=False, **kwargs):
        """`choose_station`: an admin adding a vehicle names its station (a chief never does)."""
        super().__init__(*args, **kwargs)
        if choose_station:
            self.fields = {
                "station": StationChoiceField(
                    label=_("Station"), queryset=Station.objects.order_by("city", "name")
                ),
                **self.fields,
            }
