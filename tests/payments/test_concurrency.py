"""Design §3.4 under concurrency: the same webhook 20 times at once confirms once and records
one payment; a refund requested 20 times at once refunds once."""

import pytest

from tests.booking.test_concurrency import SERVER_ENV, call, run_all, setup_race

pytestmark = pytest.mark.live
BACKENDS = ["sqlite", "postgres"]

SIGN = """
import json
from louage.payments.models import Payment
from louage.payments.providers.sandbox import SIGNATURE_HEADER, callback_body, sign
p = Payment.objects.get(pk={payment_id})
body = callback_body(reference=p.provider_reference, card_number="4242424242424242", amount=p.amount)
print(json.dumps({{"body": body.decode(), "signature": sign(body)}}))
"""


def post_raw(server, path, body, headers):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        server.url + path,
        data=body.encode(),
        method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("backend", BACKENDS)
def test_same_webhook_twenty_times_at_once_confirms_once_and_a_refund_twenty_times_refunds_once(
    live_app, backend
):
    server = live_app(backend, workers=4, env=SERVER_ENV)
    setup = setup_race(server, clients=1, tag="pay")
    token, trip_id = setup["tokens"][0], setup["trips"][0]
    status, reservation = call(
        server, "POST", "/api/v1/reservations", token, {"trip_id": trip_id, "seats": 2}
    )
    assert status == 201
    status, started = call(
        server, "POST", f"/api/v1/reservations/{reservation['id']}/payments", token
    )
    assert status == 201
    signed = server.shell_json(SIGN.format(payment_id=started["payment_id"]))
    headers = {"X-Louage-Signature": signed["signature"]}
    statuses = run_all(
        [lambda: post_raw(server, "/api/v1/payments/webhooks/sandbox", signed["body"], headers)]
        * 20,
        threads=20,
    )
    assert statuses == [200] * 20
    rows = server.sql(
        "SELECT status, amount FROM payments_payment WHERE reservation_id = %s",
        (reservation["id"],),
    )
    assert rows == [("succeeded", 24_000)]
    assert server.sql(
        "SELECT status FROM booking_reservation WHERE id = %s", (reservation["id"],)
    ) == [("confirmed",)]
    confirmations = server.sql(
        "SELECT COUNT(*) FROM core_auditentry WHERE action = 'reservation.confirmed' AND object_id = %s",
        (str(reservation["id"]),),
    )
    assert confirmations == [(1,)]

    refunds = run_all(
        [
            lambda: call(
                server, "POST", f"/api/v1/payments/{started['payment_id']}/refund", setup["chief"]
            )
        ]
        * 20,
        threads=20,
    )
    codes = sorted(status for status, _ in refunds)
    assert codes == [200] + [409] * 19, codes
    rows = server.sql(
        "SELECT status, refunded_amount FROM payments_payment WHERE reservation_id = %s",
        (reservation["id"],),
    )
    assert rows == [("refunded", 24_000)]
    assert server.sql("SELECT seats_available FROM trips_trip WHERE id = %s", (trip_id,)) == [(8,)]
