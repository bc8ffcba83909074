"""Settings of live test servers whose Google sign-in goes to the test session's local OpenID
Connect provider (Google itself is unreachable from the test machines). Everything else is
production's: `louage.settings` and the environment (GOOGLE_CLIENT_ID, OIDC_*…)."""

import os

from louage.settings import *  # noqa: F403
from louage.settings import CONTENT_SECURITY_POLICY, SOCIALACCOUNT_PROVIDERS

_issuer = os.environ["TEST_GOOGLE_ISSUER"]
SOCIALACCOUNT_PROVIDERS["google"].update(
    AUTHORIZE_URL=f"{_issuer}/oauth2/authorize",
    ACCESS_TOKEN_URL=f"{_issuer}/oauth2/token",
    IDENTITY_URL=f"{_issuer}/userinfo",
    ID_TOKEN_ISSUER=_issuer,
)
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(_issuer)
