from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model


class LoginEmailBackend(AuthenticationBackend):
    """allauth's backend, except that an address logs in only when it is the account's login
    email: a new address waiting for its confirmation link never does."""

    def _authenticate_by_email(self, email, password):
        if not email:
            return None
        user = get_user_model().objects.filter(email__iexact=email.strip()).first()
        if user is None:
            return None  # the caller hashes the password anyway: timing tells nothing
        return self._check_password(user, password)
