"""Issue 23, finding 8 (first item): a client-sent X-Request-ID was trusted.

Attack: a caller sent `X-Request-ID: <an id of its choosing>` straight to the app; the id was
kept, answered back and written into the audit entries of its changes, so a request could
pose as another one (the id travellers quote, the id the logs and the audit log share). Now
the header is believed only behind TRUSTED_PROXY_COUNT proxies, which set it (nginx's
`$request_id`); otherwise the app makes its own.
"""

import re

import pytest

from louage.core.models import AuditEntry
from tests.support.servers import MissingSystemPackage, NginxServer
from tests.support.system import missing_system_package
from tests.support.web import api_call

FORGED = "support-ticket-4711-by-admin"


@pytest.mark.django_db
def test_without_a_trusted_proxy_the_client_id_is_ignored(api, client_user, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    response = api(client_user).patch(
        "me", {"first_name": "Amel"}, headers={"X-Request-ID": FORGED}
    )
    assert response.status_code == 200
    assert response["X-Request-ID"] != FORGED
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    entry = AuditEntry.objects.get(action="user.updated", object_id=str(client_user.pk))
    assert entry.request_id == response["X-Request-ID"]
    assert not AuditEntry.objects.filter(request_id=FORGED).exists()


@pytest.mark.live
def test_behind_nginx_the_proxy_id_wins_over_the_client_one(live_app, tmp_path):
    server = live_app("sqlite", workers=1, env={"TRUSTED_PROXY_COUNT": 1})
    token = server.shell_json(
        "import json; from louage.accounts.sessions import tokens_for; "
        "from tests.factories import ClientFactory; "
        "print(json.dumps(tokens_for(ClientFactory(email='amel@example.tn'))['access']))"
    )
    try:
        nginx = NginxServer(
            upstreams=[f"127.0.0.1:{server.port}"], static_root=tmp_path, media_root=tmp_path
        ).start()
    except MissingSystemPackage as exc:
        missing_system_package("nginx-light", str(exc))
    try:
        import httpx

        response = httpx.patch(
            nginx.url + "/api/v1/me", json={"first_name": "Amel"}, timeout=30,
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": FORGED},
        )  # fmt: skip
    finally:
        nginx.stop()
    assert response.status_code == 200, response.text
    proxy_id = response.headers["X-Request-ID"]
    assert proxy_id != FORGED and re.fullmatch(r"[0-9a-f]{32}", proxy_id)
    assert server.sql("SELECT request_id FROM core_auditentry WHERE action = 'user.updated'") == [
        (proxy_id,)
    ]
    # Straight to the app, as the proxy: the id it sets is kept (the trusted path works).
    status, _body = api_call(
        server.url, "PATCH", "/api/v1/me", token=token, payload={"first_name": "Amal"},
        headers={"X-Request-ID": "nginx-0123456789abcdef"},
    )  # fmt: skip
    assert status == 200
    assert ("nginx-0123456789abcdef",) in server.sql(
        "SELECT request_id FROM core_auditentry WHERE action = 'user.updated'"
    )
