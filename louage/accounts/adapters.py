from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from louage.core.audit import audit

from .models import Role


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # Web sign-up always creates a client: roles are given by administrators only.
        user = super().save_user(request, user, form, commit=False)
        user.role = Role.CLIENT
        if commit:
            user.save()
        return user


class ProviderNotConfigured(SocialApp.DoesNotExist, Http404):
    """A provider whose environment variables are unset: its pages answer 404, not 500."""


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Google, Facebook and OpenID Connect logins (web and API) go through here."""

    error_messages = {
        **DefaultSocialAccountAdapter.error_messages,
        "email_taken": _(
            "Un compte existe déjà avec cette adresse e-mail. Connectez-vous avec votre mot "
            "de passe, puis liez votre compte %s depuis la page « Mon compte »."
        ),
        "no_password": _(
            "C'est votre seul moyen de connexion : définissez d'abord un mot de passe."
        ),
        "disconnect_last": _("Vous ne pouvez pas retirer votre dernier moyen de connexion."),
        "connected_other": _("Ce compte est déjà lié à un autre compte Louage."),
    }

    def get_app(self, request, provider, client_id=None):
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise ProviderNotConfigured() from None

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.email = (user.email or "").strip().lower()
        user.first_name = (user.first_name or "").strip()[:150]
        user.last_name = (user.last_name or "").strip()[:150]
        # Roles never come from a provider, whatever its claims say.
        user.role = Role.CLIENT
        return user

    def save_user(self, request, sociallogin, form=None):
        sociallogin.user.role = Role.CLIENT
        user = super().save_user(request, sociallogin, form=form)
        audit(
            actor=user,
            action="user.created",
            obj=user,
            role=Role.CLIENT,
            provider=sociallogin.account.provider,
        )
        return user
