import json
import urllib.request


def post_json(url, data):
    request = urllib.request.Request(
        url,
        data=json.dumps(data).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def test_demo_admin_gets_a_token_from_a_live_server_and_seeding_is_idempotent(live_app):
    server = live_app("sqlite", workers=2, seed_demo=True)
    status, tokens = post_json(
        server.url + "/api/v1/auth/token",
        {"email": "admin@louage.tn", "password": "louage-demo-2024"},
    )
    assert status == 200 and tokens["access"] and tokens["refresh"]
    counts_before = server.sql(
        "SELECT role, COUNT(*) FROM accounts_user GROUP BY role ORDER BY role"
    )
    server.manage("seed_demo")
    counts_after = server.sql(
        "SELECT role, COUNT(*) FROM accounts_user GROUP BY role ORDER BY role"
    )
    assert counts_before == counts_after
    assert dict(counts_after)["admin"] == 1
    assert dict(counts_after)["client"] >= 5
