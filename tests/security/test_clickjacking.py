"""Threat: clickjacking — another site frames Louage's pages and tricks a visitor into clicking
"pay", "cancel" or "delete my account" under a decoy.

Attack: load any page in a frame. Every answer forbids it twice (X-Frame-Options: DENY and
CSP frame-ancestors 'none'), pages and errors, API and its docs alike; with nosniff.
"""

import pytest

from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def assert_unframeable(response):
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path", ["/", "/accounts/login/", "/departs/", "/stations/", "/nulle-part/", "/api/v1/docs"]
)
def test_public_pages_and_errors_cannot_be_framed(client, path):
    assert_unframeable(client.get(path))


@pytest.mark.parametrize("path", ["/compte/", "/compte/supprimer/", "/reservations/"])
def test_pages_that_act_cannot_be_framed(client, path):
    client.force_login(ClientFactory())
    assert_unframeable(client.get(path))


def test_scripts_come_from_the_site_only(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "object-src 'none'" in policy
