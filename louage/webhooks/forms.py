from django import forms
from django.utils.translation import gettext_lazy as _

from louage.core.events import PUBLIC_TYPES


class EndpointForm(forms.Form):
    """The web form of a partner webhook; the service checks the address and the events."""

    url = forms.CharField(
        label=_("Adresse (https://…)"), max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://partenaire.example/louage"}),
    )  # fmt: skip
    events = forms.MultipleChoiceField(
        label=_("Événements envoyés"),
        choices=[(t, t) for t in PUBLIC_TYPES],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins un événement.")},
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    active = forms.BooleanField(label=_("Actif"), required=False, initial=True)
