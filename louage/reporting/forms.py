from django import forms
from django.utils.translation import gettext_lazy as _

from louage.core.errors import InvalidInput

from .periods import DEFAULT_PRESET, PRESETS, parse_period, preset_period


class ReportFilterForm(forms.Form):
    """Period (a preset or two dates) and, for admins, one station or the whole network."""

    period = forms.ChoiceField(
        label=_("Période"), choices=list(PRESETS.items()), required=False, initial=DEFAULT_PRESET
    )

    def __init__(self, *args, stations=None, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" and "to" as in the API (and not Python names, hence added here).
        self.fields["from"] = forms.DateField(
            label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
        )
        self.fields["to"] = forms.DateField(
            label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
        )
        if stations is not None:
            self.fields["station"] = forms.TypedChoiceField(
                label=_("Station"),
                choices=[("", _("Tout le réseau")), *stations],
                coerce=int,
                empty_value=None,
                required=False,
            )

    def clean(self):
        data = super().clean()
        preset = data.get("period") or DEFAULT_PRESET
        first, last = data.get("from"), data.get("to")
        # Dates count when "custom" is chosen, or alone (links carrying only from and to).
        if preset == "custom" or (not data.get("period") and (first or last)):
            if not (first and last):
                raise forms.ValidationError(_("Choisissez la date de début et la date de fin."))
            try:
                data["report_period"] = parse_period(first.isoformat(), last.isoformat())
            except InvalidInput as exc:
                raise forms.ValidationError(exc.message) from None
            data["period"] = "custom"
        else:
            data["report_period"] = preset_period(preset)
        return data

    def report_period(self):
        """The chosen period, or the default one when the form is invalid."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["report_period"]
        return preset_period(DEFAULT_PRESET)

    def station_id(self):
        if "station" in self.fields and self.is_bound and self.is_valid():
            return self.cleaned_data.get("station")
        return None
