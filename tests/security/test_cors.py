"""Threat: another web site's script reads the API with the visitor's browser (CORS).

Attack: pages on evil.example call /api/v1 from the visitor's browser and read the answers;
or ask the browser to send credentials along. Only the origins listed in CORS_ALLOWED_ORIGINS
get CORS headers, on the API only, never with credentials; none by default. (The API reads no
cookie anyway: test_csrf.py.)
"""

import pytest

pytestmark = pytest.mark.django_db

PARTNER = "https://partner.example.tn"
EVIL = "https://evil.example.com"


def preflight(client, origin, path="/api/v1/reservations"):
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


def test_no_origin_is_allowed_by_default(client):
    response = client.get("/api/v1/stations", headers={"Origin": EVIL})
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Origin" not in preflight(client, EVIL)


def test_a_listed_partner_is_allowed_on_the_api_only(client, settings):
    settings.CORS_ALLOWED_ORIGINS = [PARTNER]
    allowed = client.get("/api/v1/openapi.json", headers={"Origin": PARTNER})
    assert allowed["Access-Control-Allow-Origin"] == PARTNER
    assert preflight(client, PARTNER)["Access-Control-Allow-Origin"] == PARTNER
    page = client.get("/", headers={"Origin": PARTNER})
    assert "Access-Control-Allow-Origin" not in page


def test_other_origins_get_no_cors_headers_even_when_a_partner_is_listed(client, settings):
    settings.CORS_ALLOWED_ORIGINS = [PARTNER]
    for origin in (EVIL, "null", PARTNER + ".evil.example.com", "http://partner.example.tn"):
        assert "Access-Control-Allow-Origin" not in client.get(
            "/api/v1/stations", headers={"Origin": origin}
        ), origin
        assert "Access-Control-Allow-Origin" not in preflight(client, origin), origin


def test_credentials_are_never_allowed_across_origins(client, settings):
    settings.CORS_ALLOWED_ORIGINS = [PARTNER]
    response = preflight(client, PARTNER)
    assert response.get("Access-Control-Allow-Credentials") != "true"
    assert settings.CORS_ALLOW_CREDENTIALS is False
