from django import forms
from django.utils.translation import gettext_lazy as _

from louage.core.validators import normalize_tunisian_phone

from .models import Role


class SignupExtraForm(forms.Form):
    """Extra fields of the allauth sign-up form."""

    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    phone = forms.CharField(
        label=_("Téléphone"), max_length=32, required=False, help_text=_("Ex. 98 123 456")
    )

    def clean_phone(self):
        return normalize_tunisian_phone(self.cleaned_data.get("phone"))

    def signup(self, request, user):
        user.first_name = self.cleaned_data["first_name"].strip()
        user.last_name = self.cleaned_data["last_name"].strip()
        user.phone = self.cleaned_data["phone"]
        user.role = Role.CLIENT
        user.save()


class PhoneForm(forms.Form):
    """The short form a traveller fills before the first booking (social sign-ups have none)."""

    phone = forms.CharField(
        label=_("Numéro de téléphone"), max_length=32, help_text=_("Ex. 98 123 456")
    )

    def clean_phone(self):
        return normalize_tunisian_phone(self.cleaned_data.get("phone"))


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    phone = forms.CharField(label=_("Téléphone"), max_length=32, required=False)
    language = forms.ChoiceField(label=_("Langue"), choices=[])
    sms_reminders = forms.BooleanField(
        label=_("Rappel de fin de réservation par SMS"),
        required=False,
        help_text=_(
            "Un SMS quand une réservation non payée va expirer (les billets et les changements de départ arrivent par SMS de toute façon)."
        ),
    )

    def __init__(self, *args, **kwargs):
        from django.conf import settings

        super().__init__(*args, **kwargs)
        self.fields["language"].choices = settings.LANGUAGES


class EmailChangeForm(forms.Form):
    email = forms.EmailField(label=_("Nouvelle adresse e-mail"), max_length=254)
    password = forms.CharField(
        label=_("Mot de passe actuel"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        max_length=128,
    )


class AvatarForm(forms.Form):
    avatar = forms.FileField(label=_("Image (JPEG, PNG, GIF ou WebP, 5 Mo au plus)"))


class DeleteAccountForm(forms.Form):
    password = forms.CharField(label=_("Mot de passe"), widget=forms.PasswordInput)


class UserCreateForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail"), max_length=254)
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    phone = forms.CharField(label=_("Téléphone"), max_length=32, required=False)
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices, initial=Role.CLIENT)
    password = forms.CharField(label=_("Mot de passe"), widget=forms.PasswordInput)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices)


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("Rechercher"), required=False, max_length=100)
    role = forms.ChoiceField(
        label=_("Rôle"), required=False, choices=[("", _("Tous les rôles")), *Role.choices]
    )
