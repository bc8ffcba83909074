"""Social login for the API: a provider's token in, allauth's account rules, a user out.

The web pages use allauth's views as they are. A mobile app signs in with the provider's SDK
and sends what it got: an ID token (Google, OpenID Connect) or a user access token
(Facebook). The token is verified here (Facebook through allauth's Graph API inspection,
ID tokens with PyJWT against the provider's published keys), then allauth's own login flow
runs on it, so linking by verified email, sign-up as a client and refusals are the web's.
"""

import hashlib
import hmac
import logging
import re
import threading
from contextlib import contextmanager

import jwt
import requests
from allauth.core.exceptions import ImmediateHttpResponse, SignupClosedException
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.internal.flows import login as login_flow
from allauth.socialaccount.models import SocialAccount, SocialApp
from allauth.socialaccount.providers.base import AuthProcess
from allauth.socialaccount.providers.google import views as google_views
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.base import BaseStorage
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.core.exceptions import (
    ImproperlyConfigured,
    MultipleObjectsReturned,
    PermissionDenied,
    ValidationError,
)
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from louage.core.errors import NotAllowed
from louage.core.errors import field_error as _field_error

from .errors import (
    EmailTaken,
    InvalidProviderToken,
    ProviderUnavailable,
    SignInRefused,
    UnknownProvider,
)

logger = logging.getLogger(__name__)

ID_TOKEN_PROVIDERS = {"google", "openid_connect"}
ACCESS_TOKEN_PROVIDERS = {"facebook"}
PROVIDER_ID_PATTERN = re.compile(r"[a-z0-9_-]{1,64}")
# Public-key algorithms only: an ID token is checked against the provider's published keys,
# and an HS256 token would be "signed" with a secret anyone can pick.
ID_TOKEN_ALGORITHMS = [
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
]
DISCOVERY_CACHE_SECONDS = 3600
KEYS_CACHE_SECONDS = 3600
# Providers' clocks drift a little; a token issued "in 5 seconds" is still fine.
CLOCK_SKEW_SECONDS = 30
# Google has issued ID tokens with and without the scheme in `iss`.
GOOGLE_ISSUER_ALIASES = {"https://accounts.google.com": ["accounts.google.com"]}


def configured_provider(request, provider_id):
    """The allauth provider behind `/auth/social/{provider_id}`; UnknownProvider when it is
    not one of ours or its environment variables are unset."""
    if not PROVIDER_ID_PATTERN.fullmatch(provider_id or ""):
        raise UnknownProvider()
    try:
        provider = get_adapter(request).get_provider(request, provider_id)
    except (SocialApp.DoesNotExist, MultipleObjectsReturned, ImproperlyConfigured):
        raise UnknownProvider() from None
    # `openid_connect` itself is not an address: its apps are reached by their own ids.
    if provider.sub_id != provider_id or provider.id not in (
        ID_TOKEN_PROVIDERS | ACCESS_TOKEN_PROVIDERS
    ):
        raise UnknownProvider()
    return provider


# --- ID tokens (Google, OpenID Connect) -----------------------------------------------------

_key_sets = {}
_key_sets_lock = threading.Lock()


def _key_set(jwks_uri):
    """One PyJWKClient per key set URL for the process: keys are cached for an hour and
    fetched again when a token names a key id the cache does not know (key rotation)."""
    with _key_sets_lock:
        client = _key_sets.get(jwks_uri)
        if client is None:
            client = jwt.PyJWKClient(
                jwks_uri,
                lifespan=KEYS_CACHE_SECONDS,
                timeout=settings.SOCIALACCOUNT_REQUESTS_TIMEOUT,
            )
            _key_sets[jwks_uri] = client
        return client


def forget_cached_keys():
    with _key_sets_lock:
        _key_sets.clear()


def _get_json(url):
    try:
        with get_adapter().get_requests_session() as session:
            response = session.get(url)
            response.raise_for_status()
            return response.json()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("Identity provider unreachable at %s: %s", url, exc)
        raise ProviderUnavailable() from exc


def _discovery(provider):
    """The provider's OpenID configuration (issuer, jwks_uri), cached in the shared cache."""
    if provider.id == "google":
        url = google_views.ID_TOKEN_ISSUER.rstrip("/") + "/.well-known/openid-configuration"
    else:
        url = provider.server_url
    key = "social:openid-configuration:" + hashlib.sha256(url.encode()).hexdigest()
    config = cache.get(key)
    if config is None:
        config = _get_json(url)
        if not isinstance(config, dict):
            raise ProviderUnavailable()
        config.update(provider.app.settings.get("openid_configuration_overrides", {}))
        if not isinstance(config.get("issuer"), str) or not isinstance(config.get("jwks_uri"), str):
            logger.warning("Incomplete OpenID configuration at %s", url)
            raise ProviderUnavailable()
        cache.set(key, config, DISCOVERY_CACHE_SECONDS)
    return config


def _signing_key(jwks_uri, token):
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError:
        raise InvalidProviderToken() from None
    key_set = _key_set(jwks_uri)
    try:
        keys = key_set.get_signing_keys()
    except (jwt.PyJWTError, ValueError) as exc:
        logger.warning("Unusable key set at %s: %s", jwks_uri, exc)
        raise ProviderUnavailable() from exc
    try:
        if kid is not None:
            return key_set.get_signing_key(kid)
    except jwt.PyJWKClientConnectionError as exc:
        raise ProviderUnavailable() from exc
    except (jwt.PyJWTError, ValueError):
        raise InvalidProviderToken() from None
    # OpenID Connect Core 10.1: a provider with a single key may leave `kid` out.
    if len(keys) == 1:
        return keys[0]
    raise InvalidProviderToken()


def verify_id_token(provider, id_token, *, nonce=None):
    """The claims of an ID token signed by the provider for our client id, unexpired, with
    the nonce the app sent when it gave one. InvalidProviderToken otherwise."""
    config = _discovery(provider)
    issuer = config["issuer"]
    issuers = [issuer, *GOOGLE_ISSUER_ALIASES.get(issuer, [])]
    key = _signing_key(config["jwks_uri"], id_token)
    try:
        claims = jwt.decode(
            id_token,
            key=key,
            algorithms=ID_TOKEN_ALGORITHMS,
            audience=provider.app.client_id,
            issuer=issuers,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": ["iss", "aud", "exp", "iat", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidProviderToken(
            _("Jeton du fournisseur expiré : reconnectez-vous."), code="token_expired"
        ) from None
    except (jwt.PyJWTError, ValueError, TypeError):
        raise InvalidProviderToken() from None
    if nonce is not None and not hmac.compare_digest(
        str(claims.get("nonce", "")).encode(), nonce.encode()
    ):
        raise InvalidProviderToken(
            _("Le nonce du jeton ne correspond pas à la demande."), code="nonce_mismatch"
        )
    try:
        # allauth's replay guard: a token with a `jti` is accepted once.
        jwtkit.verify_jti(claims)
    except OAuth2Error:
        raise InvalidProviderToken(_("Ce jeton a déjà été utilisé."), code="token_reused") from None
    return claims


# --- Facebook user access tokens -------------------------------------------------------------


def _is_outage(exc):
    if isinstance(exc, requests.HTTPError):
        return exc.response is None or exc.response.status_code >= 500
    return isinstance(exc, requests.RequestException | ValueError)


def _facebook_login(request, provider, access_token):
    """allauth inspects the token with the Graph API (`debug_token`: valid, for our app id)
    and reads the profile with `/me`."""
    try:
        return provider.verify_token(request, {"access_token": access_token})
    except ValidationError as exc:
        if exc.__cause__ is not None and _is_outage(exc.__cause__):
            logger.warning("Facebook unreachable: %s", exc.__cause__)
            raise ProviderUnavailable() from exc
        raise InvalidProviderToken() from None
    except (requests.RequestException, KeyError, TypeError, ValueError) as exc:
        logger.warning("Unexpected answer from Facebook: %r", exc)
        raise ProviderUnavailable() from exc


# --- allauth's login flow, for an API call ---------------------------------------------------


class _ScratchSession(SessionBase):
    """A session that lives for one API call and is never stored."""

    def exists(self, session_key):
        return False

    def create(self):
        self._session_key = self._get_new_session_key()
        self.modified = True

    def save(self, must_create=False):
        pass

    def delete(self, session_key=None):
        pass

    def load(self):
        return {}


class _DiscardedMessages(BaseStorage):
    def _get(self, *args, **kwargs):
        return [], True

    def _store(self, messages, response, *args, **kwargs):
        return []


_CSRF_META = ("CSRF_COOKIE", "CSRF_COOKIE_NEEDS_UPDATE")


@contextmanager
def _without_browser_state(request):
    """allauth's flow logs the user into the session, leaves messages and rotates the CSRF
    cookie; an API call answers tokens and sets no cookie, so it runs on throwaway ones."""
    saved = (request.session, getattr(request, "_messages", None), request.user)
    saved_meta = {name: request.META[name] for name in _CSRF_META if name in request.META}
    request.session = _ScratchSession()
    request._messages = _DiscardedMessages(request)
    request.user = AnonymousUser()
    try:
        yield request.session
    finally:
        for name in _CSRF_META:
            request.META.pop(name, None)
        request.META.update(saved_meta)
        request.session, request._messages, request.user = saved


def _complete_login(request, sociallogin):
    sociallogin.state = {"process": AuthProcess.LOGIN}
    with transaction.atomic(), _without_browser_state(request) as session:
        try:
            login_flow.complete_login(request, sociallogin, raises=True)
        except SignupClosedException:
            raise SignInRefused(_("Les inscriptions sont fermées."), code="signup_closed") from None
        except (ImmediateHttpResponse, PermissionDenied):
            raise SignInRefused() from None
        user = request.user
        # allauth sends a browser to its sign-up form when it cannot create the account alone.
        needs_form = "socialaccount_sociallogin" in session
    if user.is_authenticated:
        return user
    if needs_form:
        if not sociallogin.user.email:
            raise _field_error(
                "email", _("Le fournisseur n'a pas donné d'adresse e-mail : autorisez-la.")
            )
        raise EmailTaken()
    if sociallogin.user.pk and not sociallogin.user.is_active:
        raise SignInRefused(_("Ce compte est désactivé."), code="account_inactive")
    raise NotAllowed(
        _("Confirmez votre adresse e-mail avec le lien qui vient de vous être envoyé."),
        code="email_unverified",
    )


def login_with_provider_token(
    *, request, provider_id, id_token=None, access_token=None, nonce=None
):
    """Log in (or sign up) the owner of a provider's token; returns the user. Raises
    UnknownProvider (404), InvalidInput (422), InvalidProviderToken (401), ProviderUnavailable
    (503), EmailTaken (409) or NotAllowed (403); on any of these nothing is created."""
    provider = configured_provider(request, provider_id)
    if provider.id in ACCESS_TOKEN_PROVIDERS:
        if not access_token:
            raise _field_error("access_token", _("Envoyez le jeton d'accès du fournisseur."))
        identity = _facebook_login(request, provider, access_token).account.extra_data
    else:
        if not id_token:
            raise _field_error("id_token", _("Envoyez le jeton d'identité (ID token)."))
        identity = verify_id_token(provider, id_token, nonce=nonce)

    def sociallogin():
        try:
            return provider.sociallogin_from_response(request, identity)
        except (KeyError, TypeError, ValueError, ImproperlyConfigured):
            raise InvalidProviderToken() from None

    first = sociallogin()
    try:
        return _complete_login(request, first)
    except (IntegrityError, EmailTaken):
        # The same person's other request (a double tap) may have created the account since
        # this one looked (the unique constraints decided): then this one logs in to it.
        account = first.account
        if not SocialAccount.objects.filter(provider=account.provider, uid=account.uid).exists():
            raise
    return _complete_login(request, sociallogin())
