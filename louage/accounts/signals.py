"""Audit entries for the social accounts allauth connects and disconnects."""

from allauth.socialaccount.signals import social_account_added, social_account_removed
from django.dispatch import receiver

from louage.core.audit import audit


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
