"""Production refuses SMS settings that would leak or not work, as it does for the others."""

import secrets

import pytest

from tests.security.test_settings_and_headers import production_env, run_manage

KANNEL = {
    "SMS_BACKEND": "kannel",
    "KANNEL_SENDSMS_URL": "http://10.0.0.5:13013/cgi-bin/sendsms",
    "KANNEL_USERNAME": "louage",
    "KANNEL_PASSWORD": "a-sendsms-password",
    "KANNEL_INBOUND_TOKEN": secrets.token_urlsafe(32),
    "PAYMENTS_SANDBOX_ENABLED": "false",
}


@pytest.mark.parametrize(
    "override, complaint",
    [
        ({"SMS_BACKEND": "console"}, "SMS_BACKEND=console"),
        ({"SMS_BACKEND": "carrier-pigeon"}, "SMS_BACKEND must be"),
        ({"KANNEL_SENDSMS_URL": ""}, "KANNEL_SENDSMS_URL"),
        ({"KANNEL_SENDSMS_URL": "ftp://kannel/cgi-bin/sendsms"}, "KANNEL_SENDSMS_URL"),
        ({"KANNEL_PASSWORD": ""}, "KANNEL_PASSWORD"),
        ({"KANNEL_INBOUND_TOKEN": ""}, "KANNEL_INBOUND_TOKEN"),
        ({"KANNEL_INBOUND_TOKEN": "short"}, "KANNEL_INBOUND_TOKEN"),
        ({"KANNEL_INBOUND_TOKEN": "a" * 40}, "KANNEL_INBOUND_TOKEN"),
    ],
)
def test_production_refuses_unsafe_sms_settings(tmp_path, override, complaint):
    result = run_manage(production_env(tmp_path, **{**KANNEL, **override}), "check")
    assert result.returncode != 0
    assert "Refusing to start with DEBUG off" in result.stderr and complaint in result.stderr


@pytest.mark.parametrize("sms", [KANNEL, {"SMS_BACKEND": "", "PAYMENTS_SANDBOX_ENABLED": "false"}])
def test_production_starts_with_kannel_configured_or_sms_off(tmp_path, sms):
    result = run_manage(production_env(tmp_path, **sms), "check")
    assert result.returncode == 0, result.stderr
