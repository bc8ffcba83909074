"""Receivers of allauth's signals: the confirmed email change, and audit entries for the
social accounts allauth connects and disconnects."""

from allauth.account.signals import email_changed
from allauth.socialaccount.signals import social_account_added, social_account_removed
from django.dispatch import receiver

from louage.core.audit import audit

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
