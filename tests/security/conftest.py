"""A live server whose sign-in providers are the test session's local OpenID Connect provider,
shared by the attacks that go through a provider (one server for the session: each test makes
accounts and identities of its own)."""

import uuid
from urllib.parse import urlencode

import pytest

from tests.factories import PASSWORD
from tests.support.web import WebSession, api_call

OIDC_LOGIN = "/accounts/oidc/oidc/login/"
OIDC_CLIENT_ID = "louage-oidc"


class SocialSite:
    """The live server, its provider and its mailbox, with what an attacker and an owner do."""

    def __init__(self, server, oidc, smtp):
        self.server, self.oidc, self.smtp = server, oidc, smtp
        self.url = server.url

    def accounts(self, *emails, language="fr"):
        """Accounts with the password PASSWORD and a confirmed login email; → their ids."""
        code = (
            "import json; from tests.factories import ClientFactory; "
            f"print(json.dumps([ClientFactory(email=e, language={language!r}).pk "
            f"for e in {list(emails)!r}]))"
        )
        return self.server.shell_json(code)

    def identity(self, email, *, verified=True):
        """A person at the provider, whose address the provider vouches for; → their subject."""
        sub = uuid.uuid4().hex[:12]
        self.oidc.set_user(
            sub, email=email, email_verified=verified, given_name="Sami", family_name="Ayari"
        )
        return sub

    def web_sign_in(self, browser, sub, **params):
        """The provider's button, its page, back to the site: the callback's response."""
        query = f"?{urlencode(params)}" if params else ""
        start = browser.post(OIDC_LOGIN + query)
        assert start.status_code == 302, start.text[-1500:]
        return browser.get(self.oidc.sign_in(start.headers["location"], sub))

    def api_sign_in(self, sub):
        """A mobile app's sign-in: the provider's ID token to POST /auth/social/oidc."""
        token = self.oidc.id_token(client_id=OIDC_CLIENT_ID, sub=sub)
        return api_call(self.url, "POST", "/api/v1/auth/social/oidc", payload={"id_token": token})

    def state(self, user_id):
        """What the database holds about an account: login, pending address, password hash,
        address rows, linked providers."""
        [(email, pending, password)] = self.server.sql(
            "SELECT email, pending_email, password FROM accounts_user WHERE id = %s", (user_id,)
        )
        addresses = sorted(
            self.server.sql(
                'SELECT email, verified, "primary" FROM account_emailaddress WHERE user_id = %s',
                (user_id,),
            )
        )
        providers = sorted(
            self.server.sql(
                "SELECT provider, uid FROM socialaccount_socialaccount WHERE user_id = %s",
                (user_id,),
            )
        )
        return {
            "email": email,
            "pending_email": pending,
            "password": password,
            "addresses": [(e, bool(v), bool(p)) for e, v, p in addresses],
            "providers": providers,
        }

    def user_count(self):
        return self.server.sql("SELECT COUNT(*) FROM accounts_user")[0][0]

    def links_of(self, sub):
        return self.server.sql(
            "SELECT user_id FROM socialaccount_socialaccount WHERE uid = %s", (sub,)
        )

    def browser(self):
        return WebSession(self.url)

    def password_token(self, email, password=PASSWORD):
        status, pair = api_call(
            self.url, "POST", "/api/v1/auth/token", payload={"email": email, "password": password}
        )
        return status, pair


@pytest.fixture(scope="session")
def social_site(_live_factory, oidc_provider):
    from tests.support.mail import SMTPServer

    smtp = SMTPServer().start()
    server = _live_factory(
        "sqlite",
        workers=2,
        env={
            "DJANGO_SETTINGS_MODULE": "tests.support.settings_local_providers",
            "TEST_GOOGLE_ISSUER": oidc_provider.issuer,
            "GOOGLE_CLIENT_ID": "louage-google.apps.googleusercontent.com",
            "GOOGLE_CLIENT_SECRET": "google-client-secret",
            "OIDC_PROVIDER_NAME": "Université de Tunis",
            "OIDC_SERVER_URL": oidc_provider.issuer,
            "OIDC_CLIENT_ID": OIDC_CLIENT_ID,
            "OIDC_CLIENT_SECRET": "oidc-client-secret",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": smtp.port,
        },
    )
    yield SocialSite(server, oidc_provider, smtp)
    server.stop()
    smtp.stop()
