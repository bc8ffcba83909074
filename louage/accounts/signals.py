from allauth.account.signals import email_changed
from django.dispatch import receiver

from louage.core.audit import audit

from .models import User


@receiver(email_changed)
def email_change_confirmed(sender, request, user, from_email_address, to_email_address, **kwargs):
    """The new address was confirmed through its link: it is the login now."""
    User.objects.filter(pk=user.pk).update(pending_email="")
    audit(actor=user, action="user.email_changed", obj=user)
