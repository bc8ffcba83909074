"""Threat: password guessing — brute force on one account, password spraying across many
accounts from one address, credential stuffing through the API or the web form; and the
opposite harm: a rate limit that locks out the honest people behind a shared address (a
station's desk, a café's Wi-Fi, a mobile operator's NAT).

Attack and defence: failures are counted, not successes; per account (5 per 5 minutes), and
per address with a higher ceiling (30 a minute); the web form and POST /api/v1/auth/token
spend the same budgets. A refusal is a 429 with Retry-After, for the right password too while
the account's budget is spent. Successful logins from one address never pile up. Passwords
are hashed with Argon2 and weak ones are refused at sign-up.
"""

import pytest
from django.contrib.auth.hashers import identify_hasher

from tests.factories import PASSWORD, ClientFactory

pytestmark = pytest.mark.django_db


def token(api, email, password, ip="203.0.113.5"):
    return api().post(
        "auth/token", {"email": email, "password": password}, headers={"X-Forwarded-For": ip}
    )


@pytest.fixture
def limits(settings):
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed": "8/m/ip,3/5m/key",
    }


def test_brute_force_on_one_account_is_stopped_and_says_when_to_come_back(api, limits):
    victim = ClientFactory()
    codes = [token(api, victim.email, f"guess-{i}").status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]
    refused = token(api, victim.email, PASSWORD)  # even the right password, for now
    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_login_failures"
    assert 0 < int(refused["Retry-After"]) <= 300


def test_the_web_form_and_the_api_share_the_budget(api, client, limits):
    victim = ClientFactory()
    for i in range(3):
        client.post(
            "/accounts/login/", {"login": victim.email, "password": f"guess-{i}"},
            headers={"X-Forwarded-For": "203.0.113.5"},
        )  # fmt: skip
    assert token(api, victim.email, "guess-api").status_code == 429


def test_spraying_many_accounts_from_one_address_hits_the_address_ceiling(api, limits):
    accounts = [ClientFactory() for _ in range(10)]
    codes = [token(api, user.email, "Summer2024!").status_code for user in accounts]
    assert codes[:8] == [401] * 8 and codes[8:] == [429, 429]
    # Another address is not concerned.
    assert token(api, accounts[9].email, PASSWORD, ip="198.51.100.20").status_code == 200


def test_honest_logins_behind_one_address_are_never_limited(api, limits):
    travellers = [ClientFactory() for _ in range(12)]
    for user in travellers * 3:  # 36 successful logins from one NAT address
        assert token(api, user.email, PASSWORD).status_code == 200
    # A few typos among them do not lock the others out either.
    assert token(api, travellers[0].email, "typo").status_code == 401
    assert token(api, travellers[1].email, PASSWORD).status_code == 200


def test_honest_web_logins_behind_one_address_are_never_limited(client, limits):
    travellers = [ClientFactory() for _ in range(12)]
    for user in travellers * 3:  # 36 successful logins through the form from one address
        response = client.post(
            "/accounts/login/", {"login": user.email, "password": PASSWORD},
            headers={"X-Forwarded-For": "203.0.113.5"},
        )  # fmt: skip
        assert response.status_code == 302, response.status_code
        client.logout()


def test_passwords_are_stored_with_argon2(settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = ClientFactory()
    user.set_password("une-phrase-de-passe-longue")
    assert identify_hasher(user.password).algorithm == "argon2"


@pytest.mark.parametrize("weak", ["12345678", "password", "azerty12"[:7], "louage"])
def test_weak_passwords_are_refused_at_sign_up(api, weak):
    response = api().post(
        "auth/register",
        {"email": "new@example.tn", "password": weak, "first_name": "A", "last_name": "B"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "password"
