"""Departure pickers for the chief's pages (desk sale, notice, check-in): a day's departures
at a time (today by default), filtered by destination and by what is typed, soonest first.
A month of departures never becomes one drop-down of 1,200 options.

A page renders `trips/_picker.html` with `picker_context(...)`; htmx asks the same page with
`?picker=1` for the options alone when a filter changes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from louage.core.times import local_date, local_today
from louage.core.widgets import DateInput

from .selectors import departure_picker, served_destinations


class PickerFilter(forms.Form):
    day = forms.DateField(label=_("Jour"), required=False, widget=DateInput())
    destination = forms.TypedChoiceField(
        label=_("Destination"), required=False, coerce=int, empty_value=None
    )
    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=60,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("ville, heure, plaque"),
                "autocomplete": "off",
            }
        ),
    )

    def __init__(self, *args, destinations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["destination"].choices = [("", _("Toutes")), *destinations]


def picker_context(request, station, *, purpose, selected=None):
    """Context for `trips/_picker.html`: the filter form and the matching departures. A
    departure already chosen (`selected`) sets the day it is on."""
    destinations = served_destinations(station)
    selected = selected or []
    initial_day = local_date(selected[0].departure) if selected else local_today()
    data = request.GET.copy()
    if not data.get("day"):
        data["day"] = initial_day.isoformat()
    filters = PickerFilter(data, destinations=destinations)
    values = {"day": initial_day, "destination": None, "query": ""}
    if filters.is_valid():
        values = {
            "day": filters.cleaned_data["day"] or initial_day,
            "destination": filters.cleaned_data["destination"],
            "query": filters.cleaned_data["q"],
        }
    picker = departure_picker(
        station,
        day=values["day"],
        destination=values["destination"],
        query=values["query"],
        purpose=purpose,
        destinations=destinations,
    )
    return {
        "picker": picker,
        "picker_filters": filters,
        "picker_selected": [trip.pk for trip in selected],
        "picker_gone_open": any(trip in picker.gone for trip in selected),
        "picker_purpose": purpose,
    }


def wants_picker_only(request):
    return bool(request.htmx) and request.GET.get("picker") == "1"
