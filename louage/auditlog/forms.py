from django import forms
from django.utils.translation import gettext_lazy as _

from louage.auditlog.labels import action_label, family_label
from louage.core.widgets import DateInput
from louage.stations.forms import StationChoiceField
from louage.stations.models import Station


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Auteur (e-mail ou nom)"), required=False, max_length=100)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=[])
    station = StationChoiceField(
        label=_("Station"), required=False, queryset=Station.objects.order_by("city", "name")
    )
    day_from = forms.DateField(label=_("Du"), required=False, widget=DateInput())
    day_to = forms.DateField(label=_("Au"), required=False, widget=DateInput())

    def __init__(self, *args, actions, with_station, **kwargs):
        super().__init__(*args, **kwargs)
        families = sorted({a.split(".")[0] + "." for a in actions})
        self.fields["action"].choices = [
            ("", _("Toutes")),
            *[(f, family_label(f)) for f in families],
            *[(a, action_label(a)) for a in actions],
        ]
        if not with_station:
            del self.fields["station"]
            # A chief finds staff by name; a traveller's email is never a search key.
            self.fields["actor"].label = _("Auteur (nom d'un membre du personnel)")
