import json
import secrets
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.db import connection

from tests.support.servers import ROOT, base_env


def run_manage(env, *args):
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(tmp_path, **extra):
    values = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "louage.example.tn,127.0.0.1",
        "LOUAGE_VAR_DIR": tmp_path,
    }
    return base_env(**{**values, **extra})


@pytest.mark.parametrize(
    "override, complaint",
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        # No key from the repository (tests/security/test_repository_keys.py).
        ({"SECRET_KEY": "django-insecure-louage-development-key-never-use-in-production"},
         "SECRET_KEY"),
        ({"JWT_SIGNING_KEY": ""}, "JWT_SIGNING_KEY"),
        ({"JWT_SIGNING_KEY": "short-key"}, "JWT_SIGNING_KEY"),
        ({"JWT_SIGNING_KEY": "a" * 64}, "JWT_SIGNING_KEY"),
        ({"SECRET_KEY_FALLBACKS": "old-and-short"}, "SECRET_KEY_FALLBACKS"),
        ({"PAYMENTS_SANDBOX_ENABLED": "true"}, "PAYMENTS_SANDBOX_ALLOW_IN_PRODUCTION"),
        ({"WEBPUSH_VAPID_PRIVATE_KEY": "not-a-key"}, "WEBPUSH_VAPID_PRIVATE_KEY"),
        ({"WEBPUSH_VAPID_PUBLIC_KEY": "BAAA"}, "WEBPUSH_VAPID_PUBLIC_KEY"),
        ({"WEBPUSH_CONTACT": "louage.tn"}, "WEBPUSH_CONTACT"),
    ],
)  # fmt: skip
def test_production_mode_refuses_to_start_with_unsafe_settings(tmp_path, override, complaint):
    result = run_manage(production_env(tmp_path, **override), "check")
    assert result.returncode != 0
    assert "Refusing to start with DEBUG off" in result.stderr
    assert complaint in result.stderr


def test_deploy_check_reports_nothing_with_production_settings(tmp_path):
    env = production_env(tmp_path, PAYMENT_PROVIDER="konnect", KONNECT_API_KEY="key",
                         KONNECT_WALLET_ID="wallet")  # fmt: skip
    result = run_manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_a_payment_provider_says_online_payment_is_off(tmp_path):
    # The default provider is the sandbox gateway, which DEBUG=false turns off.
    result = run_manage(production_env(tmp_path), "check", "--deploy")
    assert result.returncode == 0, result.stderr
    assert "(payments.W001) online payment is off" in result.stderr
    assert "PAYMENT_PROVIDER=konnect" in result.stderr


def test_seed_demo_is_refused_in_production_mode(tmp_path):
    env = production_env(tmp_path)
    assert run_manage(env, "migrate", "-v0").returncode == 0
    result = run_manage(env, "seed_demo")
    assert result.returncode != 0
    assert "refuses" in result.stderr


@pytest.mark.django_db
def test_healthz_and_readyz(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_readyz_is_503_when_the_database_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("database is gone")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


@pytest.mark.django_db
def test_oversized_bodies_are_refused_before_being_read(client):
    body = b"{" + b" " * (9 * 1024 * 1024) + b"}"
    response = client.post("/api/v1/auth/token", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


@pytest.mark.django_db
def test_unknown_page_is_a_french_404(client):
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_production_server_on_postgres_serves_health_and_redirects_to_https(live_app):
    server = live_app(
        "postgres",
        workers=2,
        env={
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "JWT_SIGNING_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1",
        },
    )
    with urllib.request.urlopen(server.url + "/readyz", timeout=5) as response:
        assert json.loads(response.read()) == {"status": "ok"}

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(server.url + "/", timeout=5)
    assert redirect.value.code == 301
    assert redirect.value.headers["Location"].startswith("https://")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "method, path, status",
    [
        ("get", "/api/v1/nowhere", 404),
        ("get", "/api/v1/users/abc", 404),
        ("get", "/api/v1/auth/token", 405),
    ],
)
def test_api_answers_json_even_outside_its_routes(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"detail", "code"}


def _login_failures_per_address(settings, limit):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed": f"{limit}/m/ip,100/m/key",
    }


def _failed_login(client, number, **headers):
    # Another account each time: only the budget of the address counts here.
    return client.post(
        "/api/v1/auth/token", {"email": f"nobody{number}@example.tn", "password": "x"},
        content_type="application/json", headers=headers,
    ).status_code  # fmt: skip


@pytest.mark.django_db
def test_forged_forwarded_for_does_not_escape_rate_limits(client, settings):
    _login_failures_per_address(settings, 2)
    codes = [_failed_login(client, i, **{"X-Forwarded-For": f"10.0.0.{i}"}) for i in range(3)]
    assert codes == [401, 401, 429]


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_client_has_its_own_budget(client, settings):
    _login_failures_per_address(settings, 2)
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    codes = [_failed_login(client, i, **{"X-Forwarded-For": "198.51.100.7"}) for i in range(3)]
    assert codes == [401, 401, 429]
    assert _failed_login(client, 9, **{"X-Forwarded-For": "203.0.113.9"}) == 401
