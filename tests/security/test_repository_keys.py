"""Finding 4: no key comes from the repository.

Attack: with no environment set, the JWT signing key and the sandbox gateway's webhook secret
fell back to the development key written in settings.py, so anyone could sign an admin
access token, or a sandbox callback confirming a reservation, against a default install.
"""

import hashlib
import hmac
import json
import os
import secrets
import stat
from datetime import timedelta

import httpx
import jwt
import pytest
from django.utils import timezone

from louage.keys import derive_key, installation_secret
from tests.security.test_settings_and_headers import production_env, run_manage
from tests.support.web import api_call

# What settings.py used to hold, as published in the repository's history.
OLD_REPOSITORY_KEY = "django-insecure-louage-development-key-never-use-in-production"


def forged_admin_token(key, user_id):
    now = timezone.now()
    claims = {
        "token_type": "access",
        "exp": int((now + timedelta(minutes=15)).timestamp()),
        "iat": int(now.timestamp()),
        "jti": secrets.token_hex(16),
        "user_id": user_id,
    }
    return jwt.encode(claims, key, algorithm="HS256")


@pytest.mark.live
def test_a_default_install_refuses_tokens_and_callbacks_signed_with_the_repository_key(
    live_app,
):
    server = live_app("sqlite", workers=2)  # no SECRET_KEY, no JWT key, no webhook secret
    setup = server.shell_json(
        "import json\n"
        "from tests.factories import AdminFactory, ClientFactory\n"
        "from tests.booking_factories import ReservationFactory\n"
        "admin = AdminFactory(); r = ReservationFactory(seats=2)\n"
        "print(json.dumps([admin.pk, r.pk, r.total_price]))"
    )
    admin_id, reservation_id, amount = setup
    for key in (OLD_REPOSITORY_KEY, "sandbox-webhook:" + OLD_REPOSITORY_KEY):
        token = forged_admin_token(key, admin_id)
        assert api_call(server.url, "GET", "/api/v1/users", token=token)[0] == 401

    body = json.dumps(
        {"reference": "sbx_forged", "status": "succeeded", "amount": amount, "card_last4": "4242"},
        sort_keys=True,
    ).encode()
    old_secret = f"sandbox-webhook:{OLD_REPOSITORY_KEY}".encode()
    signature = hmac.new(old_secret, body, hashlib.sha256).hexdigest()
    response = httpx.post(
        server.url + "/api/v1/payments/webhooks/sandbox",
        content=body,
        headers={"Content-Type": "application/json", "X-Louage-Signature": signature},
    )
    assert response.status_code == 400
    status = server.sql("SELECT status FROM booking_reservation WHERE id = %s", (reservation_id,))
    assert status == [("pending",)]
    # The installation made its own secret, readable by its owner only.
    path = server.workdir / "secret_key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert OLD_REPOSITORY_KEY not in path.read_text()


def test_each_installation_has_its_own_secret_and_each_purpose_its_own_key(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = installation_secret(tmp_path / "a")
    again = installation_secret(tmp_path / "a")
    other = installation_secret(tmp_path / "b")
    assert first == again and first != other and len(first) >= 50
    keys = {derive_key(first, purpose) for purpose in ("jwt", "tickets", "payments")}
    assert len(keys) == 3 and first not in keys


def test_the_secret_file_is_tightened_if_others_could_read_it(tmp_path):
    secret = installation_secret(tmp_path)
    os.chmod(tmp_path / "secret_key", 0o644)
    assert installation_secret(tmp_path) == secret
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600


def test_production_refuses_the_same_key_for_sessions_and_tokens(tmp_path):
    key = secrets.token_urlsafe(64)
    result = run_manage(production_env(tmp_path, SECRET_KEY=key, JWT_SIGNING_KEY=key), "check")
    assert result.returncode != 0
    assert "JWT_SIGNING_KEY" in result.stderr


def test_production_runs_the_sandbox_only_when_told_twice(tmp_path):
    env = production_env(
        tmp_path, PAYMENTS_SANDBOX_ENABLED="true", PAYMENTS_SANDBOX_ALLOW_IN_PRODUCTION="true"
    )
    result = run_manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
