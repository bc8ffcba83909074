"""Kannel's two callbacks refuse bad input with a clear 4xx; the chief, the admins and the
traveller see the SMS side of things."""

import pytest
from django.urls import reverse

from louage.booking import services as booking
from louage.sms import services
from louage.sms.models import SmsMessage, SmsOptOut
from tests.factories import ChiefFactory
from tests.network_factories import StationFactory, TripFactory

pytestmark = pytest.mark.django_db

TOKEN = "k" * 16 + "-inbound-token-for-tests-0123456789"


@pytest.fixture
def sms_on(settings):
    settings.SMS_BACKEND = "console"
    settings.KANNEL_INBOUND_TOKEN = TOKEN
    return settings


def inbound(web, **params):
    return web.get("/sms/kannel/inbound", {"token": TOKEN, **params})


@pytest.mark.parametrize(
    "params, status",
    [
        ({"token": "wrong", "from": "+21698123456", "text": "STOP"}, 403),
        ({"token": "", "from": "+21698123456", "text": "STOP"}, 403),
        ({"from": "", "text": "STOP"}, 400),
        ({"from": "+33612345678", "text": "STOP"}, 400),
        ({"from": "not a number", "text": "STOP"}, 400),
        ({"from": "+21698123456", "text": "   "}, 400),
        ({"from": "+21698123456"}, 400),
        ({"from": "+21698123456", "text": "x" * 2000}, 400),
    ],
)
def test_bad_inbound_requests_get_a_clear_4xx_and_change_nothing(web, sms_on, params, status):
    response = inbound(web, **params)
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/plain")
    assert not SmsOptOut.objects.exists() and not SmsMessage.objects.exists()


def test_inbound_is_closed_while_no_token_is_configured(web, settings):
    settings.KANNEL_INBOUND_TOKEN = ""
    response = web.get("/sms/kannel/inbound", {"token": "", "from": "98123456", "text": "STOP"})
    assert response.status_code == 403 and not SmsOptOut.objects.exists()


def test_inbound_answers_through_the_worker_with_an_empty_body(commit, web, sms_on):
    response = commit(inbound, web, **{"from": "98 123 456", "text": "stop"})
    assert response.status_code == 200 and response.content == b""
    assert SmsOptOut.objects.get().phone == "+21698123456"


def test_a_delivery_report_with_an_unknown_token_or_type_changes_nothing(commit, web, sms_on, trip):
    sale = commit(booking.sell_at_desk, trip=trip, seats=1, passenger_name="Amel",
                                passenger_phone="98555201", by=trip.origin.chief)  # fmt: skip
    message = SmsMessage.objects.get(reservation=sale)
    assert len(message.dlr_token) >= 40  # unguessable: 32 random bytes
    url = reverse("sms:dlr", args=[message.dlr_token])
    assert web.get(reverse("sms:dlr", args=["guess"]), {"type": "1"}).status_code == 404
    for bad in ("", "3", "x", "99999999999999999999"):
        assert web.get(url, {"type": bad}).status_code == 400
    message.refresh_from_db()
    assert message.status == "queued"
    assert web.get(url, {"type": "1"}).content == b"delivered\n"


def test_delivery_states_only_move_forward(commit, sms_on, trip):
    sale = commit(booking.sell_at_desk, trip=trip, seats=1, passenger_name="Amel",
                                passenger_phone="98555202", by=trip.origin.chief)  # fmt: skip
    message = SmsMessage.objects.get(reservation=sale)
    assert services.record_delivery_report(token=message.dlr_token, report_type="1").status == (
        "delivered"
    )
    # The SMS centre's "accepted" arriving after the handset's report, or a failure after it,
    # changes nothing.
    for late in ("8", "4", "2", "16"):
        assert services.record_delivery_report(
            token=message.dlr_token, report_type=late
        ).status == ("delivered")
    assert services.mark_sent(message) == 0


def test_the_chief_sees_walk_ins_reached_by_sms_and_the_state_of_each(commit, web, sms_on, trip):
    commit(booking.sell_at_desk, trip=trip, seats=1, passenger_name="Slim Gharbi",
                         passenger_phone="98123456", by=trip.origin.chief)  # fmt: skip
    commit(booking.sell_at_desk, trip=trip, seats=1, passenger_name="Sans Téléphone",
                         passenger_phone="", by=trip.origin.chief)  # fmt: skip
    web.force_login(trip.origin.chief)
    html = commit(
        web.post, "/guichet/avis/", {"trips": [trip.pk], "text": "Quai 3"}
    ).content.decode()
    assert 'data-testid="reached-by-sms"' in html
    unreached = html.split('data-testid="unreached"')[1].split("</div>")[0]
    assert "Sans Téléphone" in unreached and "Slim Gharbi" not in unreached
    message = SmsMessage.objects.get(kind="notice")
    assert message.to == "+21698123456" and "Quai 3" in message.text
    # The relay writes the SMS after the notice's commit: the page shows them from then on.
    html = web.get("/guichet/avis/").content.decode()
    assert 'data-testid="notice-sms-states"' in html and "1 en file" in html
    services.record_delivery_report(token=message.dlr_token, report_type="1")
    page = web.get(reverse("sms:notice", args=[message.notice_id])).content.decode()
    assert "+21698123456" in page and 'data-status="delivered"' in page


def test_another_chief_never_sees_a_notices_sms(commit, web, sms_on, trip):
    commit(booking.sell_at_desk, trip=trip, seats=1, passenger_name="Slim",
                         passenger_phone="98123456", by=trip.origin.chief)  # fmt: skip
    web.force_login(trip.origin.chief)
    commit(web.post, "/guichet/avis/", {"trips": [trip.pk], "text": "Quai 3"})
    notice_id = SmsMessage.objects.get(kind="notice").notice_id
    other = ChiefFactory()
    StationFactory(chief=other)
    web.force_login(other)
    assert web.get(reverse("sms:notice", args=[notice_id])).status_code == 404


def test_notice_api_counts_walk_ins_texted_as_reached(commit, api, sms_on, trip, client_user):
    commit(booking.reserve_seats, trip=trip, client=client_user, seats=1)
    commit(booking.sell_at_desk, trip=trip, seats=1, passenger_name="Slim",
                         passenger_phone="98123456", by=trip.origin.chief)  # fmt: skip
    body = commit(
        api(trip.origin.chief).post, "notices", {"trip_ids": [trip.pk], "text": "Quai 3"}
    ).json()
    assert body["recipients"] == 2 and body["unreached"] == []
    assert set(SmsMessage.objects.filter(kind="notice").values_list("to", flat=True)) == {
        client_user.phone, "+21698123456",
    }  # fmt: skip


def test_a_walk_in_who_sent_stop_is_listed_with_the_reason(commit, api, sms_on, trip):
    SmsOptOut.objects.create(phone="+21698123456")
    commit(booking.sell_at_desk, trip=trip, seats=1, passenger_name="Slim",
                         passenger_phone="98123456", by=trip.origin.chief)  # fmt: skip
    body = commit(
        api(trip.origin.chief).post, "notices", {"trip_ids": [trip.pk], "text": "Quai 3"}
    ).json()
    assert body["recipients"] == 0 and "STOP" in body["unreached"][0]["reason"]


def test_admins_see_the_days_count_and_estimated_cost(
    commit, web, sms_on, admin_user, trip, settings
):
    settings.SMS_COST_MILLIMES = 45
    for phone in ("98555301", "98555302"):
        commit(booking.sell_at_desk, trip=trip, seats=1, passenger_name="X", passenger_phone=phone,
                             by=trip.origin.chief)  # fmt: skip
    SmsMessage.objects.filter(to="+21698555302").update(segments=2, status="delivered")
    web.force_login(admin_user)
    html = web.get("/gestion/sms/").content.decode()
    row = html.split("<tbody>")[1].split("</tr>")[0]
    cells = [cell.split("</td>")[0] for cell in row.split('class="num">')[1:]]
    assert cells[:5] == ["2", "3", "1", "0", "1"]  # messages, segments, delivered, failed, waiting
    assert "0,135 DT" in html  # 3 segments × 45 millimes


@pytest.mark.parametrize("role", ["client", "chief"])
def test_only_admins_see_the_sms_figures(web, role, client_user, chief_user):
    web.force_login(client_user if role == "client" else chief_user)
    assert web.get("/gestion/sms/").status_code == 403


def test_a_traveller_asks_for_the_reminder_by_sms_on_the_profile(web, client_user):
    web.force_login(client_user)
    response = web.post("/compte/modifier/", {
        "first_name": "Ali", "last_name": "Ben Salah", "phone": "98 555 401",
        "language": "fr", "sms_reminders": "on",
    })  # fmt: skip
    assert response.status_code == 302
    client_user.refresh_from_db()
    assert client_user.sms_reminders
    assert 'data-testid="sms-reminders">oui' in web.get("/compte/").content.decode()


def test_desk_sale_on_another_day_keeps_its_own_message(commit, sms_on, trip):
    later = TripFactory(origin=trip.origin, destination=trip.destination)
    for departure in (trip, later):
        commit(booking.sell_at_desk, trip=departure, seats=1, passenger_name="Amel",
                             passenger_phone="98555203", by=trip.origin.chief)  # fmt: skip
    assert SmsMessage.objects.filter(to="+21698555203", kind="ticket").count() == 2
