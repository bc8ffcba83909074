"""POST /api/v1/auth/social/{provider}: a mobile app's provider token → the `/auth/token` pair,
verified against real local providers (OpenID Connect, also as Google; Facebook's Graph API)."""

import time
import uuid

import jwt
import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from cryptography.hazmat.primitives.asymmetric import rsa

from louage.accounts import social
from louage.accounts.models import Role, User
from tests.conftest import SOCIAL_ENV
from tests.factories import AdminFactory, ClientFactory

pytestmark = pytest.mark.django_db

GOOGLE_CLIENT = SOCIAL_ENV["GOOGLE_CLIENT_ID"]
OIDC_CLIENT = SOCIAL_ENV["OIDC_CLIENT_ID"]


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    social.forget_cached_keys()
    yield
    social.forget_cached_keys()


def person(provider, *, verified=True, **claims):
    sub = uuid.uuid4().hex[:12]
    email = claims.pop("email", f"{sub}@example.tn")
    provider.set_user(
        sub,
        email=email,
        email_verified=verified,
        given_name="Amel",
        family_name="Trabelsi",
        **claims,
    )
    return sub, email


def user_of(api, response):
    """The account the returned access token belongs to, as /me sees it."""
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == {"access", "refresh"}
    client = api()
    client.token = body["access"]
    me = client.get("me")
    assert me.status_code == 200
    return User.objects.get(pk=me.json()["id"])


def claims(provider, **overrides):
    now = int(time.time())
    return {
        "iss": provider.issuer,
        "aud": OIDC_CLIENT,
        "sub": uuid.uuid4().hex[:12],
        "iat": now,
        "exp": now + 600,
        "email": f"{uuid.uuid4().hex[:8]}@example.tn",
        "email_verified": True,
        **overrides,
    }


def nothing_created():
    return not User.objects.exists() and not SocialAccount.objects.exists()


def test_a_new_user_signs_up_with_an_openid_connect_id_token(api, social_providers, oidc_provider):
    sub, email = person(oidc_provider, role="admin")
    token = oidc_provider.id_token(client_id=OIDC_CLIENT, sub=sub)
    response = api().post("auth/social/oidc", {"id_token": token})

    user = user_of(api, response)
    assert (user.email, user.first_name, user.last_name, user.role) == (
        email,
        "Amel",
        "Trabelsi",
        Role.CLIENT,
    )
    assert SocialAccount.objects.get(user=user).uid == sub
    assert EmailAddress.objects.get(user=user).verified
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    # The refresh token works like the password login's.
    refreshed = api().post("auth/token/refresh", {"refresh": response.json()["refresh"]})
    assert refreshed.status_code == 200


def test_a_new_user_signs_up_with_a_google_id_token(api, social_providers, oidc_provider):
    sub, email = person(oidc_provider)
    token = oidc_provider.id_token(client_id=GOOGLE_CLIENT, sub=sub)
    user = user_of(api, api().post("auth/social/google", {"id_token": token}))
    assert user.email == email
    assert SocialAccount.objects.get(user=user).provider == "google"


def test_a_returning_user_gets_tokens_for_the_same_account(api, social_providers, oidc_provider):
    sub, _ = person(oidc_provider)
    first = user_of(
        api,
        api().post(
            "auth/social/oidc", {"id_token": oidc_provider.id_token(client_id=OIDC_CLIENT, sub=sub)}
        ),
    )
    again = user_of(
        api,
        api().post(
            "auth/social/oidc", {"id_token": oidc_provider.id_token(client_id=OIDC_CLIENT, sub=sub)}
        ),
    )
    assert first == again
    assert User.objects.count() == 1


def test_a_verified_email_reaches_the_existing_account_whatever_its_role(
    api, social_providers, oidc_provider
):
    admin = AdminFactory(email="nadia@example.tn")
    sub, _ = person(oidc_provider, email="nadia@example.tn", verified=True, role="client")
    token = oidc_provider.id_token(client_id=GOOGLE_CLIENT, sub=sub)
    assert user_of(api, api().post("auth/social/google", {"id_token": token})) == admin
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN
    assert SocialAccount.objects.get(provider="google").user == admin


def test_the_owner_is_emailed_in_their_language_once_a_provider_is_linked(
    api, social_providers, oidc_provider, mailoutbox, django_capture_on_commit_callbacks
):
    owner = ClientFactory(email="salma@example.tn", language="en")
    sub, _ = person(oidc_provider, email="salma@example.tn", verified=True)
    token = oidc_provider.id_token(client_id=OIDC_CLIENT, sub=sub)
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        assert user_of(api, api().post("auth/social/oidc", {"id_token": token})) == owner
    assert not mailoutbox  # told once the link is stored, not before
    for callback in after_commit:
        callback()
    [mail] = mailoutbox
    assert mail.to == ["salma@example.tn"]
    assert "New way to sign in: Université de Tunis" in mail.subject
    assert "/accounts/password/reset/" in mail.body


def test_a_pending_address_of_an_account_is_not_reached_by_a_provider(
    api, social_providers, oidc_provider
):
    holder = ClientFactory(email="hamza@example.tn")
    EmailAddress.objects.create(user=holder, email="ines@example.tn", verified=False)
    sub, _ = person(oidc_provider, email="ines@example.tn", verified=True)
    token = oidc_provider.id_token(client_id=OIDC_CLIENT, sub=sub)
    response = api().post("auth/social/oidc", {"id_token": token})
    assert response.status_code == 403
    assert not SocialAccount.objects.exists()
    holder.refresh_from_db()
    assert holder.has_usable_password()


def test_an_unverified_email_of_an_existing_account_gets_409_and_links_nothing(
    api, social_providers, oidc_provider, settings
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"  # the sign-in of an unconfirmed address
    ClientFactory(email="walid@example.tn")
    sub, _ = person(oidc_provider, email="walid@example.tn", verified=False)
    token = oidc_provider.id_token(client_id=OIDC_CLIENT, sub=sub)
    response = api().post("auth/social/oidc", {"id_token": token})
    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"
    assert "mot de passe" in response.json()["detail"]
    assert User.objects.count() == 1 and not SocialAccount.objects.exists()


def test_an_id_token_without_email_gets_422_and_creates_nothing(
    api, social_providers, oidc_provider
):
    sub = uuid.uuid4().hex[:12]
    oidc_provider.set_user(sub, given_name="Sans", family_name="Adresse")
    token = oidc_provider.id_token(client_id=OIDC_CLIENT, sub=sub)
    response = api().post("auth/social/oidc", {"id_token": token})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "email"
    assert nothing_created()


def test_an_id_token_signed_by_another_key_gets_401(api, social_providers, oidc_provider):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = jwt.PyJWKClient(f"{oidc_provider.issuer}/jwks").get_signing_keys()[0].key_id
    for headers in (None, {"kid": kid}, {"kid": "rotated-key"}):
        forged = jwt.encode(claims(oidc_provider), other_key, algorithm="RS256", headers=headers)
        response = api().post("auth/social/oidc", {"id_token": forged})
        assert response.status_code == 401, headers
        assert response.json()["code"] == "invalid_token"
    assert nothing_created()


def test_an_id_token_for_another_application_gets_401(api, social_providers, oidc_provider):
    sub, _ = person(oidc_provider)
    foreign = oidc_provider.id_token(client_id="someone-elses-app", sub=sub)
    for provider in ("oidc", "google"):
        response = api().post(f"auth/social/{provider}", {"id_token": foreign})
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_token"
    assert nothing_created()


def test_an_expired_id_token_gets_401(api, social_providers, oidc_provider):
    now = int(time.time())
    expired = oidc_provider.sign(claims(oidc_provider, iat=now - 7200, exp=now - 3600))
    response = api().post("auth/social/oidc", {"id_token": expired})
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"
    assert nothing_created()


@pytest.mark.parametrize(
    "bad",
    [
        {"iss": "https://accounts.example.com"},
        {"aud": "someone-elses-app"},
        {"exp": None},
        {"sub": None},
        {"sub": 12345},
        {"iat": int(time.time()) + 3600},
    ],
)
def test_an_id_token_with_a_wrong_or_missing_claim_gets_401(
    api, social_providers, oidc_provider, bad
):
    token_claims = claims(oidc_provider, **bad)
    token_claims = {k: v for k, v in token_claims.items() if v is not None}
    response = api().post("auth/social/oidc", {"id_token": oidc_provider.sign(token_claims)})
    assert response.status_code == 401
    assert nothing_created()


def test_a_signed_id_token_with_the_right_claims_is_accepted(api, social_providers, oidc_provider):
    # The counterpart of the cases above: the same construction passes when nothing is wrong.
    response = api().post(
        "auth/social/oidc", {"id_token": oidc_provider.sign(claims(oidc_provider))}
    )
    assert user_of(api, response).role == Role.CLIENT


def test_the_nonce_must_match_when_the_app_sends_one(api, social_providers, oidc_provider):
    sub, _ = person(oidc_provider)
    token = oidc_provider.id_token(client_id=OIDC_CLIENT, sub=sub, nonce="n-0123456789")
    response = api().post("auth/social/oidc", {"id_token": token, "nonce": "n-other"})
    assert response.status_code == 401
    assert response.json()["code"] == "nonce_mismatch"
    assert nothing_created()
    response = api().post("auth/social/oidc", {"id_token": token, "nonce": "n-0123456789"})
    assert response.status_code == 200


def test_a_token_with_an_id_is_accepted_once(api, social_providers, oidc_provider):
    token = oidc_provider.sign(claims(oidc_provider, jti=uuid.uuid4().hex))
    assert api().post("auth/social/oidc", {"id_token": token}).status_code == 200
    replay = api().post("auth/social/oidc", {"id_token": token})
    assert replay.status_code == 401
    assert replay.json()["code"] == "token_reused"


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        "a.b.c",
        jwt.encode(
            {"sub": "x", "aud": OIDC_CLIENT}, "a-shared-secret-of-32-bytes-at-least!!", "HS256"
        ),
        jwt.encode({"sub": "x", "aud": OIDC_CLIENT}, None, "none"),
    ],
)
def test_garbage_and_unsigned_or_hmac_tokens_get_401_never_500(
    api, social_providers, oidc_provider, token
):
    response = api().post("auth/social/oidc", {"id_token": token})
    assert response.status_code == 401
    assert nothing_created()


def test_an_hmac_token_naming_the_providers_key_gets_401(api, social_providers, oidc_provider):
    kid = jwt.PyJWKClient(f"{oidc_provider.issuer}/jwks").get_signing_keys()[0].key_id
    token = jwt.encode(
        claims(oidc_provider), "a-shared-secret-of-32-bytes-at-least!!", "HS256", {"kid": kid}
    )
    assert api().post("auth/social/oidc", {"id_token": token}).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"id_token": ""},
        {"id_token": 42},
        {"id_token": "x" * 20000},
        {"id_token": "x", "role": "admin"},
        {"access_token": "EAAxyz"},
    ],
)
def test_bad_input_gets_422(api, social_providers, oidc_provider, body):
    response = api().post("auth/social/oidc", body)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_a_malformed_body_gets_422(api, social_providers):
    response = api().post("auth/social/google", raw=b"{not json")
    assert response.status_code == 422
    assert response.json()["code"] == "malformed_json"


@pytest.mark.parametrize(
    "provider",
    ["github", "openid_connect", "openid", "OIDC", "x" * 100, "goo%00gle", "..%2Fgoogle"],
)
def test_an_unknown_provider_gets_404(api, social_providers, provider):
    response = api().post(f"auth/social/{provider}", {"id_token": "x"})
    assert response.status_code == 404
    assert response.json()["code"] in {"unknown_provider", "not_found"}


def test_an_unconfigured_provider_gets_404(api, settings, oidc_provider):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    for provider in ("google", "facebook", "oidc"):
        response = api().post(f"auth/social/{provider}", {"id_token": "x", "access_token": "y"})
        assert response.status_code == 404
        assert response.json()["code"] == "unknown_provider"


def test_the_provider_down_gets_503_and_creates_nothing(api, social_providers, oidc_provider):
    sub, _ = person(oidc_provider)
    token = oidc_provider.id_token(client_id=OIDC_CLIENT, sub=sub)
    with oidc_provider.down():
        response = api().post("auth/social/oidc", {"id_token": token})
    assert response.status_code == 503
    assert response.json()["code"] == "provider_unavailable"
    assert nothing_created()


def test_keys_are_cached_and_fetched_again_for_an_unknown_key_id(
    api, social_providers, oidc_provider
):
    def fetches():
        return sum(1 for method, path in oidc_provider.requests if path == "/jwks")

    before = fetches()
    for _ in range(3):
        token = oidc_provider.sign(claims(oidc_provider))
        assert api().post("auth/social/oidc", {"id_token": token}).status_code == 200
    assert fetches() == before + 1

    # The provider rotated its key since the cache was filled: an unknown key id makes the
    # cache fetch the key set again instead of refusing a genuine token.
    stale_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    stale = jwt.algorithms.RSAAlgorithm.to_jwk(stale_key.public_key(), as_dict=True)
    stale.update(kid="old-key", use="sig")
    key_set = social._key_set(f"{oidc_provider.issuer}/jwks")
    key_set.jwk_set_cache.put({"keys": [stale]})
    key_set._last_successful_fetch = None
    kid = jwt.PyJWKClient(f"{oidc_provider.issuer}/jwks").get_signing_keys()[0].key_id
    token = oidc_provider.sign(claims(oidc_provider), headers={"kid": kid})
    before = fetches()
    assert api().post("auth/social/oidc", {"id_token": token}).status_code == 200
    assert fetches() == before + 1


def test_failed_provider_tokens_are_limited_per_address(
    api, settings, social_providers, oidc_provider
):
    settings.API_RATE_TOKEN = "3/m"
    codes = [api().post("auth/social/oidc", {"id_token": "x"}).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert 0 < int(api().post("auth/social/oidc", {"id_token": "x"})["Retry-After"]) <= 60
    # Refresh tokens draw on the same budget of failures.
    assert api().post("auth/token/refresh", {"refresh": "x"}).status_code == 429


def test_an_inactive_account_gets_403(api, social_providers, oidc_provider):
    sub, _ = person(oidc_provider)
    token = oidc_provider.id_token(client_id=OIDC_CLIENT, sub=sub)
    user = user_of(api, api().post("auth/social/oidc", {"id_token": token}))
    User.objects.filter(pk=user.pk).update(is_active=False)
    token = oidc_provider.id_token(client_id=OIDC_CLIENT, sub=sub)
    response = api().post("auth/social/oidc", {"id_token": token})
    assert response.status_code == 403
    assert response.json()["code"] == "account_inactive"


# --- Facebook ----------------------------------------------------------------------------------


def test_a_new_user_signs_up_with_a_facebook_access_token(
    api, social_providers, facebook_graph, settings
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"  # the sign-in of an unconfirmed address
    facebook_graph.add_user(
        "20001", email="leila@example.tn", first_name="Leila", last_name="Ben Salah"
    )
    response = api().post(
        "auth/social/facebook", {"access_token": facebook_graph.user_token("20001")}
    )
    user = user_of(api, response)
    assert (user.email, user.first_name, user.last_name, user.role) == (
        "leila@example.tn",
        "Leila",
        "Ben Salah",
        Role.CLIENT,
    )
    # Facebook does not say that the address is verified.
    assert not EmailAddress.objects.get(user=user).verified
    again = api().post("auth/social/facebook", {"access_token": facebook_graph.user_token("20001")})
    assert user_of(api, again) == user


@pytest.mark.parametrize("case", ["garbage", "other_app", "expired"])
def test_a_bad_facebook_token_gets_401(api, social_providers, facebook_graph, case):
    facebook_graph.add_user("20002", email="karim@example.tn", first_name="K", last_name="B")
    token = {
        "garbage": "EAAnot-a-token",
        "other_app": facebook_graph.user_token("20002", app_id="someone-elses-app"),
        "expired": facebook_graph.user_token("20002", expires_in=-60),
    }[case]
    response = api().post("auth/social/facebook", {"access_token": token})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert nothing_created()


def test_facebook_needs_an_access_token(api, social_providers):
    response = api().post("auth/social/facebook", {"id_token": "x"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "access_token"


def test_facebook_never_links_by_email(api, social_providers, facebook_graph, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"  # the sign-in of an unconfirmed address
    ClientFactory(email="houda@example.tn")
    facebook_graph.add_user("20003", email="houda@example.tn", first_name="H", last_name="S")
    response = api().post(
        "auth/social/facebook", {"access_token": facebook_graph.user_token("20003")}
    )
    assert response.status_code == 409
    assert not SocialAccount.objects.exists()


def test_facebook_down_gets_503(api, social_providers, facebook_graph):
    facebook_graph.add_user("20004", email="sami@example.tn", first_name="S", last_name="T")
    token = facebook_graph.user_token("20004")
    with facebook_graph.down():
        response = api().post("auth/social/facebook", {"access_token": token})
    assert response.status_code == 503
    assert response.json()["code"] == "provider_unavailable"
    assert nothing_created()


def test_with_mandatory_verification_an_unverified_address_is_confirmed_first(
    api, settings, social_providers, facebook_graph, mailoutbox
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    facebook_graph.add_user("20005", email="rania@example.tn", first_name="R", last_name="M")
    response = api().post(
        "auth/social/facebook", {"access_token": facebook_graph.user_token("20005")}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "email_unverified"
    assert [m.to for m in mailoutbox] == [["rania@example.tn"]]
    assert not EmailAddress.objects.get(email="rania@example.tn").verified


def test_a_first_login_racing_another_finds_the_account_it_created(
    api, social_providers, oidc_provider, monkeypatch, settings
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"  # the sign-in of an unconfirmed address
    # The app's other request (a double tap) created the account after this one looked and
    # checked the address: the insert hits the unique constraints, and this request logs in to
    # the account the other one made.
    from allauth.socialaccount.internal.flows import signup
    from allauth.socialaccount.models import SocialLogin

    # (An address the provider does not vouch for, so only the account look-up can find it.)
    sub, email = person(oidc_provider, verified=False)
    token = oidc_provider.id_token(client_id=OIDC_CLIENT, sub=sub)
    winner = User.objects.create_user(email=email)
    SocialAccount.objects.create(user=winner, provider="oidc", uid=sub, extra_data={})
    blind = {"lookup": True, "assess": True}

    def once(name, stale, real):
        def check(*args, **kwargs):
            if blind[name]:
                blind[name] = False
                return stale
            return real(*args, **kwargs)

        return check

    monkeypatch.setattr(
        SocialLogin,
        "_lookup_by_socialaccount",
        once("lookup", False, SocialLogin._lookup_by_socialaccount),
    )
    monkeypatch.setattr(
        signup, "assess_unique_email", once("assess", True, signup.assess_unique_email)
    )
    user = user_of(api, api().post("auth/social/oidc", {"id_token": token}))
    assert not any(blind.values())
    assert user == winner
    assert User.objects.count() == 1 and SocialAccount.objects.count() == 1


def test_a_first_login_overtaken_before_its_checks_logs_in_too(
    api, social_providers, oidc_provider, monkeypatch, settings
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"  # the sign-in of an unconfirmed address
    # The other request finished between this one's look-up and its address check.
    from louage.accounts.adapters import SocialAccountAdapter

    sub, email = person(oidc_provider)
    token = oidc_provider.id_token(client_id=OIDC_CLIENT, sub=sub)
    original = SocialAccountAdapter.pre_social_login
    raced = []

    def other_request_wins(self, request, sociallogin):
        if not raced:
            raced.append(True)
            winner = User.objects.create_user(email=email)
            SocialAccount.objects.create(user=winner, provider="oidc", uid=sub, extra_data={})
        return original(self, request, sociallogin)

    monkeypatch.setattr(SocialAccountAdapter, "pre_social_login", other_request_wins)
    user = user_of(api, api().post("auth/social/oidc", {"id_token": token}))
    assert raced
    assert User.objects.get() == user
    assert SocialAccount.objects.get().user == user


def test_by_default_an_unverified_email_of_an_existing_account_links_nothing_and_reveals_nothing(
    api, social_providers, oidc_provider, mailoutbox, django_capture_on_commit_callbacks
):
    # Mandatory verification (the default): the answer is the one a brand-new address gets,
    # and the address's owner is told by email instead.
    ClientFactory(email="walid@example.tn")
    taken_sub, _ = person(oidc_provider, email="walid@example.tn", verified=False)
    fresh_sub, _ = person(oidc_provider, email="nouveau@example.tn", verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        taken = api().post(
            "auth/social/oidc",
            {"id_token": oidc_provider.id_token(client_id=OIDC_CLIENT, sub=taken_sub)},
        )
        fresh = api().post("auth/social/oidc",
                           {"id_token": oidc_provider.id_token(client_id=OIDC_CLIENT, sub=fresh_sub)})  # fmt: skip
    assert (taken.status_code, taken.json()) == (fresh.status_code, fresh.json())
    assert taken.json()["code"] == "email_unverified"
    assert not SocialAccount.objects.filter(user__email="walid@example.tn").exists()
    to_owner = [m for m in mailoutbox if m.to == ["walid@example.tn"]]
    assert len(to_owner) == 1 and "/accounts/confirm-email/" not in to_owner[0].body
