"""What the task worker sends through a real Kannel (bearerbox, smsbox, the fake SMS centre),
for which event, in which language and alphabet; and what happens when Kannel is away."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from louage.booking import services as booking
from louage.booking.models import Reservation
from louage.core import mail
from louage.queues import services as queues
from louage.sms import services, subscribers
from louage.sms.models import SmsMessage, SmsOptOut
from louage.sms.tasks import send_sms
from louage.trips import services as trips
from tests.factories import ClientFactory
from tests.support.servers import free_port

pytestmark = pytest.mark.django_db


def to(kannel, phone, coding=None, containing=""):
    return kannel.wait_for(
        lambda m: (
            m["receiver"] == phone
            and (coding is None or m["coding"] == coding)
            and containing in m["text"]
        )
    )


def test_a_desk_sale_texts_the_walk_in_the_ticket_code_in_gsm7(kannel_settings, trip, commit):
    sale = commit(booking.sell_at_desk, trip=trip, seats=2, passenger_name="Slim Gharbi",
                  passenger_phone="98 555 101", by=trip.origin.chief)  # fmt: skip
    received = to(kannel_settings, "+21698555101", containing=sale.code)
    message = SmsMessage.objects.get(reservation=sale)
    assert received["coding"] == "text" and received["sender"] == "LOUAGE"
    assert received["text"] == message.text
    assert "2 places" in message.text and "Tunis-Sousse" in message.text
    assert (message.kind, message.status, message.ucs2, message.segments) == (
        "ticket", "sent", False, 1,
    )  # fmt: skip


def test_an_online_booking_texts_the_account_in_arabic_as_ucs2(kannel_settings, trip, commit):
    traveller = ClientFactory(language="ar", phone="+21698555102")
    reservation = booking.reserve_seats(trip=trip, client=traveller, seats=1)
    assert not SmsMessage.objects.exists()  # a hold is no ticket yet
    commit(booking.record_cash_payment, reservation=reservation, by=trip.origin.chief)
    received = to(kannel_settings, "+21698555102", coding="ucs-2", containing=reservation.code)
    message = SmsMessage.objects.get(reservation=reservation)
    assert received["text"] == message.text
    assert message.ucs2 and message.language == "ar" and "تذكرة" in message.text
    assert message.segments <= 2


def test_a_gateway_that_is_away_is_tried_again_like_email_and_the_booking_stands(
    settings, trip, commit
):
    settings.SMS_BACKEND = "kannel"
    settings.KANNEL_SENDSMS_URL = f"http://127.0.0.1:{free_port()}/cgi-bin/sendsms"  # nobody
    sale = commit(booking.sell_at_desk, trip=trip, seats=1, passenger_name="Ines",
                  passenger_phone="98555103", by=trip.origin.chief)  # fmt: skip
    message = SmsMessage.objects.get(reservation=sale)
    assert Reservation.objects.get(pk=sale.pk).status == "confirmed"
    task = DBTaskResult.objects.get(task_path="louage.sms.tasks.send_sms", status="READY")
    assert send_sms.call(*task.args_kwargs["args"], **task.args_kwargs["kwargs"]) is False
    retry = DBTaskResult.objects.filter(task_path="louage.sms.tasks.send_sms", status="READY")
    retry = retry.exclude(pk=task.pk).get()
    assert retry.args_kwargs["kwargs"] == {"attempt": 1}
    assert retry.run_after > timezone.now() + timedelta(seconds=50)
    message.refresh_from_db()
    assert message.status == "queued" and "unreachable" in message.error
    # The last try gives up: the chief and the admins see it failed.
    assert send_sms.call(message.pk, attempt=len(mail.RETRY_DELAYS)) is False
    message.refresh_from_db()
    assert message.status == "failed" and message.failed_at is not None


def test_a_cancelled_or_moved_departure_texts_each_traveller(
    kannel_settings, trip, client_user, commit
):
    online = booking.reserve_seats(trip=trip, client=client_user, seats=1)
    walk_in = booking.sell_at_desk(trip=trip, seats=1, passenger_name="Amel",
                                   passenger_phone="98555104", by=trip.origin.chief)  # fmt: skip
    SmsMessage.objects.all().delete()
    later = trip.departure + timedelta(hours=1)
    commit(trips.update_trip, trip=trip, by=trip.origin.chief, departure=later)
    for phone in (client_user.phone, "+21698555104"):
        to(kannel_settings, phone, containing="change")
    assert set(SmsMessage.objects.filter(kind="trip_changed").values_list("to", flat=True)) == {
        client_user.phone, "+21698555104",
    }  # fmt: skip
    commit(trips.cancel_trip, trip=trip, by=trip.origin.chief)
    received = to(kannel_settings, "+21698555104", containing="annulé")
    assert walk_in.code in received["text"] and "remboursé" in received["text"]
    assert SmsMessage.objects.filter(kind="trip_cancelled", reservation=online).exists()


def test_a_price_change_texts_nobody(settings, trip, client_user, commit):
    settings.SMS_BACKEND = "console"
    booking.reserve_seats(trip=trip, client=client_user, seats=1)
    commit(trips.update_trip, trip=trip, by=trip.origin.chief, price=trip.price - 500)
    assert not SmsMessage.objects.filter(kind="trip_changed").exists()


def test_the_next_louage_travellers_hear_it_is_loading(
    kannel_settings, lined_up, chief_user, commit
):
    queues.sell_next_louage(queue=lined_up, seats=8, passenger_name="Groupe", by=chief_user)
    traveller = ClientFactory(phone="+21698555105")
    reservation = queues.reserve_next_louage(queue=lined_up, client=traveller, seats=1)
    assert reservation.trip.vehicle.plate == "102 TU 1002"
    commit(queues.send_loading, queue=lined_up, by=chief_user)
    received = to(kannel_settings, "+21698555105", containing="chargement")
    assert "102 TU 1002" in received["text"] and reservation.code in received["text"]


def test_the_hold_reminder_goes_by_sms_only_to_who_asked(settings, trip, commit):
    settings.SMS_BACKEND = "console"
    asked = ClientFactory(sms_reminders=True)
    did_not = ClientFactory()
    holds = [booking.reserve_seats(trip=trip, client=c, seats=1) for c in (asked, did_not)]
    now = timezone.now()
    Reservation.objects.filter(pk__in=[h.pk for h in holds]).update(
        created_at=now - timedelta(minutes=8), expires_at=now + timedelta(minutes=2)
    )
    assert commit(booking.remind_expiring_holds) == 2
    reminders = SmsMessage.objects.filter(kind="hold_expiring")
    assert list(reminders.values_list("to", flat=True)) == [asked.phone]
    assert holds[0].code in reminders.get().text


def test_an_event_relayed_again_texts_nobody_twice(settings, trip, client_user, commit):
    settings.SMS_BACKEND = "console"
    reservation = booking.reserve_seats(trip=trip, client=client_user, seats=1)
    commit(booking.record_cash_payment, reservation=reservation, by=trip.origin.chief)
    from louage.core.models import Event

    event = Event.objects.get(type="reservation.confirmed")
    subscribers.confirmed(event)  # at least once: the relay may hand it over again
    assert SmsMessage.objects.filter(reservation=reservation, kind="ticket").count() == 1


def test_a_number_that_sent_stop_gets_nothing_until_start(settings, trip, commit):
    settings.SMS_BACKEND = "console"
    commit(services.receive_sms, sender="21698555106", text="Arrêt")
    assert SmsOptOut.objects.filter(phone="+21698555106").exists()
    assert SmsMessage.objects.get(to="+21698555106").kind == "stopped"  # the one confirmation
    commit(booking.sell_at_desk, trip=trip, seats=1, passenger_name="Nour",
           passenger_phone="98555106", by=trip.origin.chief)  # fmt: skip
    assert not SmsMessage.objects.filter(to="+21698555106", kind="ticket").exists()
    commit(services.receive_sms, sender="+21698555106", text="start")
    assert not SmsOptOut.objects.exists()
    sale = commit(booking.sell_at_desk, trip=trip, seats=1, passenger_name="Nour",
                  passenger_phone="98555106", by=trip.origin.chief)  # fmt: skip
    assert SmsMessage.objects.filter(reservation=sale, kind="ticket").exists()


def test_sms_off_writes_no_message(trip, commit):
    commit(booking.sell_at_desk, trip=trip, seats=1, passenger_name="Nour",
           passenger_phone="98555107", by=trip.origin.chief)  # fmt: skip
    assert not SmsMessage.objects.exists()


def test_the_console_backend_prints_the_sms_in_development(settings, trip, commit, capsys):
    settings.SMS_BACKEND = "console"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    sale = commit(booking.sell_at_desk, trip=trip, seats=1, passenger_name="Nour",
                  passenger_phone="98555108", by=trip.origin.chief)  # fmt: skip
    printed = capsys.readouterr().out
    assert "SMS to +21698555108 (GSM-7, segments: 1)" in printed and sale.code in printed
    assert SmsMessage.objects.get(reservation=sale).status == "sent"
