"""What the database and the side effects guarantee: constraints, payments once, refunds at
most once, the expiry task scheduled on commit, audit entries in the station's scope."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import default_task_backend

from louage.booking import services
from louage.booking.models import Reservation, ReservationStatus
from louage.core.errors import InvalidTransition
from louage.core.models import AuditEntry
from louage.notifications.models import Notification
from louage.payments import services as payments
from louage.payments.models import Payment, PaymentStatus
from tests.booking_factories import CashPaymentFactory, ConfirmedReservationFactory
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db
S = ReservationStatus


@pytest.fixture
def dummy_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    yield default_task_backend
    default_task_backend.clear()


def assert_invariant(trip):
    trip.refresh_from_db()
    taken, held = services.seats_consistency(trip)
    assert 0 <= trip.seats_available <= trip.seats_total
    assert taken == held, (taken, held)


def test_the_database_refuses_a_seat_count_outside_1_to_8(trip, client_user):
    for seats in (0, 9):
        with pytest.raises(IntegrityError), transaction.atomic():
            Reservation.objects.create(
                code=f"BAD{seats}", trip=trip, client=client_user, seats=seats, total_price=1
            )


def test_the_database_refuses_a_second_successful_payment(trip):
    payment = CashPaymentFactory(reservation=ConfirmedReservationFactory(trip=trip))
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            reservation=payment.reservation, amount=payment.amount, method="sandbox",
            status=PaymentStatus.SUCCEEDED, idempotency_key="another-key",
        )  # fmt: skip
    # Failed attempts may pile up beside the one successful payment.
    for n in range(2):
        Payment.objects.create(
            reservation=payment.reservation, amount=payment.amount, method="sandbox",
            status=PaymentStatus.FAILED, idempotency_key=f"failed-{n}",
        )  # fmt: skip
    assert_invariant(trip)


def test_the_same_idempotency_key_is_one_payment(trip):
    payment = CashPaymentFactory(reservation=ConfirmedReservationFactory(trip=trip))
    other = ConfirmedReservationFactory(trip=trip)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            reservation=other, amount=1, method="cash", status=PaymentStatus.FAILED,
            idempotency_key=payment.idempotency_key,
        )  # fmt: skip


def test_a_refund_happens_once_and_never_above_the_amount(trip):
    payment = CashPaymentFactory(reservation=ConfirmedReservationFactory(trip=trip, seats=2))
    payments.refund_payment(payment=payment, by=trip.origin.chief)
    with pytest.raises(InvalidTransition):
        payments.refund_payment(payment=payment, by=trip.origin.chief)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.refunded_amount == payment.amount == 24_000
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(refunded_amount=payment.amount + 1)


def test_a_reservation_writes_no_task_the_sweeper_expires_and_reminds_it(
    trip, client_user, dummy_tasks, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=True):
        reservation = services.reserve_seats(trip=trip, client=client_user, seats=1)
    assert not dummy_tasks.results  # no task row per hold on the booking path
    soon = reservation.expires_at - timedelta(minutes=2)
    monkeypatch.setattr("louage.core.clock.now", lambda: soon)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sweep_holds", "--once")
        call_command("sweep_holds", "--once")  # once only
    assert Notification.objects.filter(user=client_user, kind="hold_expiring").count() == 1
    later = reservation.expires_at + timedelta(seconds=1)
    monkeypatch.setattr("louage.core.clock.now", lambda: later)
    call_command("sweep_holds", "--once")
    reservation.refresh_from_db()
    assert reservation.status == S.EXPIRED


def test_a_rolled_back_reservation_schedules_nothing(
    trip, client_user, dummy_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.reserve_seats(trip=trip, client=client_user, seats=1)
            raise RuntimeError
    assert not callbacks
    assert not dummy_tasks.results
    assert not Reservation.objects.exists()
    assert_invariant(trip)


def test_sweep_command_runs_once(trip, client_user, monkeypatch):
    services.reserve_seats(trip=trip, client=client_user, seats=3)
    later = timezone.now() + timedelta(minutes=11)
    monkeypatch.setattr("louage.core.clock.now", lambda: later)
    call_command("sweep_holds", "--every", "30", "--once")  # returns instead of looping
    assert Reservation.objects.get().status == S.EXPIRED
    assert_invariant(trip)


def test_every_transition_is_audited_in_the_station_scope(trip, client_user, monkeypatch):
    chief = trip.origin.chief
    paid = services.reserve_seats(trip=trip, client=client_user, seats=1)
    services.record_cash_payment(reservation=paid, by=chief)
    services.board_reservation(reservation=paid, by=chief)
    cancelled = services.reserve_seats(trip=trip, client=ClientFactory(), seats=1)
    services.cancel_reservation(reservation=cancelled, by=chief)
    services.reserve_seats(trip=trip, client=ClientFactory(), seats=1)
    later = timezone.now() + timedelta(minutes=11)
    monkeypatch.setattr("louage.core.clock.now", lambda: later)
    assert services.expire_stale_holds() == 1
    actions = set(
        AuditEntry.objects.filter(object_type="booking.reservation").values_list(
            "action", "station_id"
        )
    )
    assert {action for action, _ in actions} == {
        "reservation.created",
        "reservation.confirmed",
        "reservation.boarded",
        "reservation.cancelled",
        "reservation.expired",
    }
    assert {station for _, station in actions} == {trip.origin_id}
    assert_invariant(trip)


@pytest.mark.parametrize("how", ["reservation", "trip"])
def test_cancelling_an_online_paid_reservation_refunds_through_the_provider_once(
    trip, settings, monkeypatch, django_capture_on_commit_callbacks, how
):
    from louage.payments.providers.sandbox import SandboxProvider
    from louage.trips import services as trip_services

    settings.PAYMENTS_SANDBOX_ENABLED = True
    refunded = []
    monkeypatch.setattr(
        SandboxProvider, "refund", lambda self, *, payment: refunded.append(payment.pk)
    )
    payment = CashPaymentFactory(
        reservation=ConfirmedReservationFactory(trip=trip, seats=2),
        method="sandbox", provider_reference="SBX-1", idempotency_key="sandbox:1",
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        if how == "reservation":
            services.cancel_reservation(reservation=payment.reservation, by=trip.origin.chief)
        else:
            trip_services.cancel_trip(trip=trip, by=trip.origin.chief)
    assert refunded == [payment.pk]
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED and payment.refunded_amount == 24_000
    assert_invariant(trip)


def test_a_provider_that_fails_to_refund_does_not_undo_the_cancellation(
    trip, settings, django_capture_on_commit_callbacks
):
    settings.PAYMENTS_SANDBOX_ENABLED = False  # get_provider refuses: the refund is logged
    payment = CashPaymentFactory(
        reservation=ConfirmedReservationFactory(trip=trip),
        method="sandbox", provider_reference="SBX-2", idempotency_key="sandbox:2",
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_reservation(reservation=payment.reservation, by=trip.origin.chief)
    payment.reservation.refresh_from_db()
    assert payment.reservation.status == S.CANCELLED
    assert_invariant(trip)
