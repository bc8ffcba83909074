"""Threat: a forged, altered, expired or misused JSON Web Token opens the API.

Attack: tokens signed with another key or with no signature at all (`alg: none`), a token whose
user id was changed, an expired one, a refresh token presented as an access token, an access
token presented for refresh, a refresh token used twice, the token of a deactivated account.
Each is refused with 401 and no data. (Tokens issued before a password change:
test_password_change_ends_every_way_in.py; tokens signed with the repository's old key:
test_repository_keys.py.)
"""

import base64
import json
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.utils import timezone

from louage.accounts.sessions import tokens_for

pytestmark = pytest.mark.django_db


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def claims_of(token):
    return jwt.decode(token, options={"verify_signature": False})


def me(api, token):
    return api().get("me", headers=bearer(token))


def test_a_valid_access_token_opens_the_callers_account_only(api, client_user):
    response = me(api, tokens_for(client_user)["access"])
    assert response.status_code == 200
    assert response.json()["email"] == client_user.email


def test_a_token_signed_with_another_key_is_refused(api, client_user):
    claims = claims_of(tokens_for(client_user)["access"])
    forged = jwt.encode(claims, "another-key-" + "x" * 40, algorithm="HS256")
    response = me(api, forged)
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


def test_an_unsigned_token_alg_none_is_refused(api, client_user):
    claims = claims_of(tokens_for(client_user)["access"])
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    body = base64.urlsafe_b64encode(json.dumps(claims).encode())
    unsigned = f"{header.decode().rstrip('=')}.{body.decode().rstrip('=')}."
    assert me(api, unsigned).status_code == 401


def test_changing_the_user_id_inside_a_token_breaks_its_signature(api, client_user, admin_user):
    token = tokens_for(client_user)["access"]
    header, payload, signature = token.split(".")
    claims = claims_of(token)
    claims["user_id"] = admin_user.pk
    altered = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    assert me(api, f"{header}.{altered}.{signature}").status_code == 401
    assert api().get("users", headers=bearer(f"{header}.{altered}.{signature}")).status_code == 401


def test_an_expired_access_token_is_refused(api, client_user):
    claims = claims_of(tokens_for(client_user)["access"])
    claims["exp"] = int((timezone.now() - timedelta(seconds=1)).timestamp())
    expired = jwt.encode(claims, settings.NINJA_JWT["SIGNING_KEY"], algorithm="HS256")
    assert me(api, expired).status_code == 401


def test_a_refresh_token_is_not_an_access_token_and_the_reverse(api, client_user):
    pair = tokens_for(client_user)
    assert me(api, pair["refresh"]).status_code == 401
    refreshed = api().post("auth/token/refresh", {"refresh": pair["access"]})
    assert refreshed.status_code == 401


def test_a_refresh_token_works_once(api, client_user):
    pair = tokens_for(client_user)
    assert api().post("auth/token/refresh", {"refresh": pair["refresh"]}).status_code == 200
    again = api().post("auth/token/refresh", {"refresh": pair["refresh"]})
    assert again.status_code == 401
    assert again.json()["code"] in ("token_invalid", "token_reused")


def test_a_deactivated_accounts_tokens_stop_at_once(api, client_user):
    pair = tokens_for(client_user)
    client_user.is_active = False
    client_user.save()
    assert me(api, pair["access"]).status_code == 401
    assert api().post("auth/token/refresh", {"refresh": pair["refresh"]}).status_code == 401


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a.b", "x" * 5000]
)
def test_garbage_in_the_authorization_header_is_a_401_never_a_500(api, header):
    response = api().get("me", headers={"Authorization": header})
    assert response.status_code == 401


def test_tokens_are_short_lived_and_signed_with_hs256():
    assert settings.NINJA_JWT["ACCESS_TOKEN_LIFETIME"] <= timedelta(minutes=15)
    assert settings.NINJA_JWT["ALGORITHM"] == "HS256"
    assert (
        settings.NINJA_JWT["ROTATE_REFRESH_TOKENS"]
        and settings.NINJA_JWT["BLACKLIST_AFTER_ROTATION"]
    )
