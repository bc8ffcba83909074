"""JWT signing key rotation: tokens signed with a key of JWT_SIGNING_KEY_FALLBACKS still
verify until they expire; every new token is signed with NINJA_JWT["SIGNING_KEY"].

ninja-jwt verifies with one key only; `install()` puts this backend in its place (the tokens
look the backend up by name, `ninja_jwt.state.token_backend`, when first used)."""

import jwt
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from ninja_jwt import state
from ninja_jwt.backends import TokenBackend
from ninja_jwt.exceptions import TokenBackendError


class RotatingTokenBackend(TokenBackend):
    def decode(self, token, verify=True):
        try:
            return super().decode(token, verify=verify)
        except TokenBackendError as first:
            if not verify or not self.algorithm.startswith("HS"):
                raise
            error = first
        for old_key in settings.JWT_SIGNING_KEY_FALLBACKS:
            try:
                return jwt.decode(
                    token, old_key, algorithms=[self.algorithm], audience=self.audience,
                    issuer=self.issuer, leeway=self.get_leeway(),
                    options={"verify_aud": self.audience is not None},
                )  # fmt: skip
            except jwt.InvalidSignatureError:
                continue  # not this key: the next one
            except jwt.InvalidTokenError as exc:
                raise TokenBackendError(_("Jeton invalide ou expiré.")) from exc
        raise error


def install():
    current = state.token_backend
    if isinstance(current, RotatingTokenBackend):
        return
    rotating = RotatingTokenBackend.__new__(RotatingTokenBackend)
    rotating.__dict__.update(current.__dict__)
    state.token_backend = rotating
