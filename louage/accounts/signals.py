"""Receivers of allauth's signals: the confirmed email change, the providers that a password
change or reset unlinks, and audit entries for the social accounts allauth connects and
disconnects."""

from allauth.account.signals import email_changed, password_changed, password_reset
from allauth.socialaccount.signals import social_account_added, social_account_removed
from django.dispatch import receiver

from louage.core.audit import audit

from . import services
from .models import User


@receiver(email_changed)
def email_change_confirmed(sender, request, user, from_email_address, to_email_address, **kwargs):
    """The new address was confirmed through its link: it is the login now."""
    User.objects.filter(pk=user.pk).update(pending_email="")
    audit(actor=user, action="user.email_changed", obj=user)


@receiver(social_account_added, dispatch_uid="louage.audit.social_account_added")
def audit_social_account_added(sender, request, sociallogin, **kwargs):
    user = sociallogin.user
    audit(
        actor=user,
        action="user.provider_connected",
        obj=user,
        provider=sociallogin.account.provider,
    )


@receiver(social_account_removed, dispatch_uid="louage.audit.social_account_removed")
def audit_social_account_removed(sender, request, socialaccount, **kwargs):
    user = socialaccount.user
    audit(
        actor=user, action="user.provider_disconnected", obj=user, provider=socialaccount.provider
    )


@receiver(password_changed, dispatch_uid="louage.accounts.unlink_on_password_changed")
@receiver(password_reset, dispatch_uid="louage.accounts.unlink_on_password_reset")
def unlink_providers_when_the_owner_takes_the_password_back(sender, request, user, **kwargs):
    """allauth's web password change and reset: the same rule as the API's change."""
    reason = "password_reset" if kwargs.get("signal") is password_reset else "password_changed"
    services.unlink_providers(user=user, by=user, reason=reason)
