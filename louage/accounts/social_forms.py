"""allauth's social sign-up form, shown when an account cannot be created without the user."""

from allauth.account.internal.flows.manage_email import assess_unique_email
from allauth.socialaccount.forms import SignupForm
from django.utils.functional import cached_property


class SocialSignupForm(SignupForm):
    @cached_property
    def email_taken(self):
        """The provider's address belongs to an account it does not prove to be the user's:
        the page says so before the user submits, with the way to link it instead."""
        email = self.initial.get("email")
        return bool(email) and assess_unique_email(email) is False
