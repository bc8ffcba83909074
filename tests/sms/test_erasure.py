"""Deleting an account erases what the SMS log kept of the person (design.md §3.5): the number
and the text of every SMS sent about their bookings; the day's counts and costs stay."""

import pytest

from louage.accounts import services as accounts
from louage.booking import services as booking
from louage.core.errors import NotAllowed
from louage.sms.models import SmsMessage
from tests.factories import PASSWORD, ClientFactory

pytestmark = pytest.mark.django_db


def _sms(reservation, to):
    return SmsMessage.objects.create(
        to=to, text=f"Louage : billet {reservation.code} confirmé", kind="ticket",
        reservation=reservation, dlr_token=f"token-{reservation.pk}-{to}",
    )  # fmt: skip


def test_deleting_an_account_erases_the_number_and_text_of_its_sms(trip, commit):
    leaving = ClientFactory(phone="+21698555201")
    staying = ClientFactory(phone="+21698555202")
    gone = _sms(booking.reserve_seats(trip=trip, client=leaving, seats=1), leaving.phone)
    kept = _sms(booking.reserve_seats(trip=trip, client=staying, seats=1), staying.phone)

    commit(accounts.delete_account, user=leaving, password=PASSWORD)

    gone.refresh_from_db()
    kept.refresh_from_db()
    assert "98555201" not in gone.to and gone.text == ""
    assert (gone.kind, gone.segments) == ("ticket", 1)  # still counted for the day's cost
    assert (kept.to, kept.text) == (
        staying.phone,
        f"Louage : billet {kept.reservation.code} confirmé",
    )
    assert not SmsMessage.objects.filter(to="+21698555201").exists()


def test_a_wrong_password_erases_nothing(trip, commit):
    leaving = ClientFactory(phone="+21698555203")
    message = _sms(booking.reserve_seats(trip=trip, client=leaving, seats=1), leaving.phone)
    with pytest.raises(NotAllowed):
        commit(accounts.delete_account, user=leaving, password="not-the-password")
    message.refresh_from_db()
    assert message.to == "+21698555203" and message.text
