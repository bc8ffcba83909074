"""allauth's sign-up form (its own module: allauth builds its form classes from
`louage.accounts.forms`, which cannot import them back)."""

from allauth.account.forms import SignupForm as AllauthSignupForm

from . import services


class SignupForm(AllauthSignupForm):
    def try_save(self, request):
        # allauth answers a taken address without hashing the password, ~20 times faster than
        # a real sign-up: the API's rule, the same work on both paths, timing tells nothing.
        if self.account_already_exists:
            services.spend_sign_up_work(self.cleaned_data.get("password1") or "")
        return super().try_save(request)
