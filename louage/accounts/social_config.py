"""Which social login providers run, read from the environment by `louage.settings`.

A provider is configured only by its environment variables and is absent when they are unset:
no button, no callback URL that answers, no API login. Plain Python (no Django imports), so
the settings module and the tests build the same configuration from the same variables.
"""

from urllib.parse import urlsplit

# allauth's generic OpenID Connect provider needs an id of its own: it names the callback
# (/accounts/oidc/oidc/login/callback/), the API path (/api/v1/auth/social/oidc) and the
# stored SocialAccount.provider.
OIDC_PROVIDER_ID = "oidc"

# Where the browser is sent to sign in: the login form posts to us and we redirect there, so
# the CSP `form-action` directive has to allow these origins too.
GOOGLE_SIGN_IN_ORIGIN = "https://accounts.google.com"
FACEBOOK_SIGN_IN_ORIGIN = "https://www.facebook.com"


def _pair(env, first, second):
    a, b = (env.get(first) or "").strip(), (env.get(second) or "").strip()
    return (a, b) if a and b else None


def providers_from_env(env):
    """The `SOCIALACCOUNT_PROVIDERS` setting for the providers whose variables are all set."""
    providers = {}
    google = _pair(env, "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET")
    if google:
        providers["google"] = {
            "APPS": [{"client_id": google[0], "secret": google[1], "settings": {}}],
            # `openid` makes Google return a signed ID token with `email_verified`.
            "SCOPE": ["openid", "profile", "email"],
            "AUTH_PARAMS": {"prompt": "select_account"},
            "OAUTH_PKCE_ENABLED": True,
        }
    facebook = _pair(env, "FACEBOOK_APP_ID", "FACEBOOK_APP_SECRET")
    if facebook:
        providers["facebook"] = {
            "APPS": [{"client_id": facebook[0], "secret": facebook[1], "settings": {}}],
            "METHOD": "oauth2",
            "SCOPE": ["email", "public_profile"],
            "FIELDS": ["id", "email", "name", "first_name", "last_name"],
        }
    oidc = _pair(env, "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")
    name = (env.get("OIDC_PROVIDER_NAME") or "").strip()
    server_url = (env.get("OIDC_SERVER_URL") or "").strip().rstrip("/")
    if oidc and name and server_url:
        providers["openid_connect"] = {
            "APPS": [
                {
                    "provider_id": OIDC_PROVIDER_ID,
                    "name": name,
                    "client_id": oidc[0],
                    "secret": oidc[1],
                    "settings": {"server_url": server_url, "oauth_pkce_enabled": True},
                }
            ]
        }
    return providers


def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def sign_in_origins(providers):
    """Origins the sign-in forms redirect to, for the CSP `form-action` directive."""
    origins = []
    google = providers.get("google", {})
    if google:
        origins.append(_origin(google.get("AUTHORIZE_URL", "")) or GOOGLE_SIGN_IN_ORIGIN)
    facebook = providers.get("facebook", {})
    if facebook:
        origins.append(_origin(facebook.get("AUTHORIZE_URL", "")) or FACEBOOK_SIGN_IN_ORIGIN)
    for app in providers.get("openid_connect", {}).get("APPS", []):
        origin = _origin(app["settings"]["server_url"])
        if origin:
            origins.append(origin)
    return sorted(set(origins))
