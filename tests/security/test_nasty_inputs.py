"""Hostile inputs get a clear 4xx, never a server error: huge numbers, NUL bytes, NaN."""

import pytest

pytestmark = pytest.mark.django_db
BIG = 10**20


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("get", f"trips/{BIG}", None),
        ("get", f"stations/{BIG}", None),
        ("get", "trips", {"origin": str(BIG)}),
        ("post", "reservations", {"trip_id": BIG, "seats": 1}),
        ("post", "reservations", {"trip_id": 1, "seats": BIG}),
        ("get", f"reservations/{BIG}", None),
        ("post", f"payments/{BIG}/refund", None),
        ("post", "tickets/check-in", {"code": "x" * 499}),
        ("post", "notices", {"trip_ids": [BIG], "text": "x"}),
        ("get", "users", {"page": BIG}),
        ("get", "trips", {"page": BIG}),
        ("post", "reservations", {"trip_id": "1\x00", "seats": 1}),
        ("get", "trips", {"origin": "\x00"}),
        ("patch", "me", {"first_name": "\x00"}),
        (
            "post",
            "stations",
            {"name": "x", "city": "Tunis", "latitude": "NaN", "longitude": "Infinity"},
        ),
        ("post", "stations", {"name": "x", "city": "Tunis", "latitude": 1e308, "longitude": 10}),
    ],
)
def test_nasty_api_inputs_never_cause_a_server_error(
    api, client_user, admin_user, trip, method, path, body
):
    for user in (client_user, admin_user, trip.origin.chief):
        c = api(user)
        r = c.get(path, body) if method == "get" else getattr(c, method)(path, body)
        assert r.status_code < 500, (user.role, path, r.status_code, r.content[:300])
        if r.status_code >= 400:
            assert {"detail", "code"} <= set(r.json())


@pytest.mark.parametrize(
    "path",
    [f"/departs/{BIG}/", f"/stations/{BIG}/", f"/reservations/{BIG}/", f"/stations/{BIG}/tableau/"],
)
def test_ids_too_large_for_the_database_are_bad_requests_on_pages(web, client_user, path):
    web.force_login(client_user)
    assert web.get(path).status_code in (400, 404)
