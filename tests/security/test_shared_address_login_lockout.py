"""Finding 2 of the second review: one shared address could lock every honest user out.

Attack: allauth spent the per-address budget of failed logins (RATE_LOGIN_FAILED, 30 a minute)
before it checked the password. 31 failed logins with 31 different emails from one address
(a carrier's NAT, a station's Wi-Fi), and then the correct password of anyone else behind that
address got 429 on `POST /api/v1/auth/token` and "trop de tentatives" on the web form. Now the
address's budget is spent by failures and refuses failures only: a correct password goes
through, while the per-account budget still stops brute force on one account.
"""

import uuid

import pytest

from tests.factories import PASSWORD, ClientFactory
from tests.support.web import WebSession, api_call


@pytest.mark.live
def test_failures_from_a_shared_address_do_not_refuse_anothers_correct_password(live_app):
    # The production budget (30 failures a minute per address), MD5 hashes for speed.
    server = live_app(
        "sqlite", workers=2, env={"DJANGO_SETTINGS_MODULE": "tests.support.settings_fast_hashing"}
    )
    tag = uuid.uuid4().hex[:6]
    travellers = [f"voyageur{i}.{tag}@example.tn" for i in range(2)]
    server.manage(
        "shell", "-c",
        f"from tests.factories import ClientFactory; [ClientFactory(email=e) for e in {travellers!r}]",
    )  # fmt: skip
    hashes = server.sql("SELECT email, password FROM accounts_user ORDER BY email")

    # 31 failed logins with 31 different emails from the one address, by the API and the form.
    answers = []
    for i in range(31):
        credentials = {"email": f"inconnu{i}.{tag}@example.tn", "password": f"devine-{i}"}
        if i % 2:
            status, body = api_call(server.url, "POST", "/api/v1/auth/token", payload=credentials)
            answers.append((status, body["code"]))
        else:
            form = {"login": credentials["email"], "password": credentials["password"]}
            page = WebSession(server.url).post("/accounts/login/", form)
            answers.append((page.status_code, "Trop de tentatives" in page.text))
    assert set(answers[:30]) == {(200, False), (401, "bad_credentials")}
    # The 31st failure is over the address's budget: from now on failures are refused.
    assert answers[30] == (200, True)
    status, body = api_call(
        server.url, "POST", "/api/v1/auth/token",
        payload={"email": f"encore.{tag}@example.tn", "password": "devine"},
    )  # fmt: skip
    assert (status, body["code"]) == (429, "too_many_login_failures")

    # Honest travellers behind that address still log in, on the API and on the web.
    status, pair = api_call(
        server.url, "POST", "/api/v1/auth/token",
        payload={"email": travellers[0], "password": PASSWORD},
    )  # fmt: skip
    assert status == 200 and set(pair) == {"access", "refresh"}, pair
    browser = WebSession(server.url)
    response = browser.post("/accounts/login/", {"login": travellers[1], "password": PASSWORD})
    assert response.status_code == 302, response.text[-1500:]
    assert browser.is_logged_in()
    # Nothing else changed: no account was made or altered by the attempts.
    assert server.sql("SELECT email, password FROM accounts_user ORDER BY email") == hashes


@pytest.fixture
def limits(settings):
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed": "8/m/ip,3/5m/key",
    }


NAT = {"X-Forwarded-For": "203.0.113.5"}


@pytest.mark.django_db
def test_the_web_form_answers_a_correct_password_once_the_address_budget_is_spent(client, limits):
    honest = ClientFactory()
    for i in range(9):
        client.post(
            "/accounts/login/", {"login": f"x{i}@example.tn", "password": "devine"}, headers=NAT
        )
    refused = client.post(
        "/accounts/login/", {"login": "y@example.tn", "password": "devine"}, headers=NAT
    )
    assert refused.status_code == 200
    assert "Trop de tentatives" in refused.content.decode()
    response = client.post(
        "/accounts/login/", {"login": honest.email, "password": PASSWORD}, headers=NAT
    )
    assert response.status_code == 302
    assert client.get("/compte/").wsgi_request.user == honest


@pytest.mark.django_db
def test_the_account_budget_still_refuses_before_the_password_is_checked(api, limits):
    victim = ClientFactory()
    for i in range(3):
        response = api().post(
            "auth/token", {"email": victim.email, "password": f"devine-{i}"}, headers=NAT
        )
        assert response.status_code == 401
    # Brute force on one account: even the right password waits (from any address).
    for address in ("203.0.113.5", "198.51.100.7"):
        response = api().post(
            "auth/token", {"email": victim.email, "password": PASSWORD},
            headers={"X-Forwarded-For": address},
        )  # fmt: skip
        assert response.status_code == 429


@pytest.mark.django_db
def test_bad_refresh_and_social_tokens_from_a_shared_address_do_not_refuse_valid_ones(
    api, settings, social_providers, oidc_provider
):
    # The same rule for the API's other budget of failures (RATE_API_TOKEN, per address).
    from louage.accounts.sessions import tokens_for

    settings.TRUSTED_PROXY_COUNT = 1
    settings.API_RATE_TOKEN = "3/m"
    honest = ClientFactory()
    pair = tokens_for(honest)
    sub = uuid.uuid4().hex[:12]
    oidc_provider.set_user(sub, email=honest.email, email_verified=True)
    id_token = oidc_provider.id_token(client_id="louage-oidc", sub=sub)

    codes = [
        api().post("auth/token/refresh", {"refresh": f"volé-{i}"}, headers=NAT).status_code
        for i in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    assert api().post("auth/social/oidc", {"id_token": "x"}, headers=NAT).status_code == 429

    refreshed = api().post("auth/token/refresh", {"refresh": pair["refresh"]}, headers=NAT)
    assert refreshed.status_code == 200
    signed_in = api().post("auth/social/oidc", {"id_token": id_token}, headers=NAT)
    assert signed_in.status_code == 200
