"""API sessions: JWT pairs issued for a user's current credentials, and their end.

A token carries the user's `credentials_version` (claim `cv`) from when it was issued; a new
password raises the version, so every token issued before it stops working at once, and
the refresh tokens are also revoked in the blacklist (visible, and checked by ninja-jwt).
Web sessions end by Django's own rule: a session is tied to a hash of the password.
"""

from ninja_jwt.tokens import RefreshToken

VERSION_CLAIM = "cv"


def tokens_for(user):
    """A fresh {access, refresh} pair for the user's current credentials."""
    refresh = RefreshToken.for_user(user)
    refresh[VERSION_CLAIM] = user.credentials_version
    # The access token copies the refresh token's claims, the version included.
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def is_current(token, user):
    """True when `token` was issued under the user's current credentials."""
    return token.get(VERSION_CLAIM, 0) == user.credentials_version


def end_api_sessions(user):
    """Revoke every refresh token of the user (inside the caller's transaction)."""
    from ninja_jwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    live = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
    )
