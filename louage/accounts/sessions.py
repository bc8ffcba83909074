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


def authenticate_password(request, *, email, password):
    """The account with this login email and password, or None. Failures count in allauth's
    `login_failed` budget (per account and per address, RATE_LOGIN_FAILED), the one the web
    login form spends too; once it is spent, RateLimited says when to come back."""
    from allauth.account.adapter import get_adapter
    from django.core.exceptions import ValidationError

    adapter = get_adapter(request)
    try:
        return adapter.authenticate(request, email=email, password=password)
    except ValidationError:
        from django.utils.translation import gettext as _

        from louage.core.errors import RateLimited

        raise RateLimited(
            _("Trop de tentatives de connexion échouées. Réessayez plus tard."),
            code="too_many_login_failures",
            retry_after=_login_retry_after(request, adapter, email),
        ) from None


def _login_retry_after(request, adapter, email):
    """Seconds until allauth's sliding windows for this account and address free a slot."""
    import time

    from allauth.core.internal import ratelimit
    from django.core.cache import cache

    key = adapter._get_login_attempts_cache_key(request, email=email)
    now = time.time()
    waits = [1]
    for rate in ratelimit.get_rates(app="allauth.account", action="login_failed"):
        cache_key = ratelimit.get_cache_key(
            request, app="allauth.account", action="login_failed", rate=rate, key=key
        )
        history = cache.get(cache_key, [])
        if len(history) >= rate.amount:
            waits.append(history[rate.amount - 1] + rate.duration - now)
    return int(max(waits)) + 1
