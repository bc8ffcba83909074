"""The day's cash close of a station: every payment taken or refunded that day (Africa/Tunis)
for its departures, by vehicle, by vehicle owner, by departure and in total.

Every figure is a sum over the same Payment rows, so the parts add up to the totals and the
totals to the payment records, to the millime."""

from dataclasses import dataclass, field

from django.db.models import Q

from louage.trips.selectors import TUNIS, day_bounds

from .models import Payment, PaymentMethod, PaymentStatus


@dataclass
class Figures:
    """Money in millimes, seats in seats, for one group of payments."""

    cash_taken: int = 0
    cash_refunded: int = 0
    online_taken: int = 0
    online_refunded: int = 0
    seats_sold: int = 0
    seats_refunded: int = 0
    payments: int = 0

    @property
    def cash_net(self):
        return self.cash_taken - self.cash_refunded

    @property
    def online_net(self):
        return self.online_taken - self.online_refunded

    @property
    def net(self):
        return self.cash_net + self.online_net

    @property
    def seats_net(self):
        return self.seats_sold - self.seats_refunded

    def add(self, *, cash, taken, refunded, seats_taken, seats_refunded):
        if cash:
            self.cash_taken += taken
            self.cash_refunded += refunded
        else:
            self.online_taken += taken
            self.online_refunded += refunded
        self.seats_sold += seats_taken
        self.seats_refunded += seats_refunded
        self.payments += 1


@dataclass
class VehicleLine(Figures):
    plate: str = ""
    owner_name: str = ""
    owner_phone: str = ""


@dataclass
class OwnerLine(Figures):
    owner_name: str = ""
    owner_phone: str = ""
    plates: list = field(default_factory=list)


@dataclass
class DepartureLine(Figures):
    trip_id: int = 0
    departure: object = None
    kind: str = ""
    status: str = ""
    destination: str = ""
    plate: str = ""


@dataclass
class RefundLine:
    refunded_at: object
    code: str
    plate: str
    method: str
    amount: int


@dataclass
class CashClose:
    station: object
    day: object
    totals: Figures = field(default_factory=Figures)
    vehicles: list = field(default_factory=list)
    owners: list = field(default_factory=list)
    departures: list = field(default_factory=list)
    refunds: list = field(default_factory=list)
    online_by_method: dict = field(default_factory=dict)


def _within(moment, start, end):
    return moment is not None and start <= moment < end


def cash_close(station, day):
    """The cash close of `station` for `day` (a date in Africa/Tunis)."""
    start, end = day_bounds(day)
    rows = (
        Payment.objects.filter(
            reservation__trip__origin=station,
            status__in=[PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED],
        )
        .filter(
            Q(paid_at__gte=start, paid_at__lt=end)
            | Q(status=PaymentStatus.REFUNDED, refunded_at__gte=start, refunded_at__lt=end)
        )
        .select_related("reservation__trip__vehicle", "reservation__trip__destination")
        .order_by("paid_at", "pk")
    )
    close = CashClose(station=station, day=day)
    vehicles, owners, departures = {}, {}, {}
    for payment in rows:
        reservation = payment.reservation
        trip = reservation.trip
        vehicle = trip.vehicle
        taken = payment.amount if _within(payment.paid_at, start, end) else 0
        refunded = (
            payment.refunded_amount
            if payment.status == PaymentStatus.REFUNDED and _within(payment.refunded_at, start, end)
            else 0
        )
        figures = {
            "cash": payment.method == PaymentMethod.CASH,
            "taken": taken,
            "refunded": refunded,
            "seats_taken": reservation.seats if taken else 0,
            "seats_refunded": reservation.seats if refunded else 0,
        }
        close.totals.add(**figures)
        line = vehicles.get(vehicle.pk)
        if line is None:
            line = vehicles[vehicle.pk] = VehicleLine(
                plate=vehicle.plate, owner_name=vehicle.owner_name, owner_phone=vehicle.owner_phone
            )
        line.add(**figures)
        owner_key = (vehicle.owner_name.strip().lower(), vehicle.owner_phone)
        owner = owners.get(owner_key)
        if owner is None:
            owner = owners[owner_key] = OwnerLine(
                owner_name=vehicle.owner_name, owner_phone=vehicle.owner_phone
            )
        if vehicle.plate not in owner.plates:
            owner.plates.append(vehicle.plate)
        owner.add(**figures)
        departure = departures.get(trip.pk)
        if departure is None:
            departure = departures[trip.pk] = DepartureLine(
                trip_id=trip.pk, departure=trip.departure.astimezone(TUNIS), kind=trip.kind,
                status=trip.status, destination=trip.destination.city, plate=vehicle.plate,
            )  # fmt: skip
        departure.add(**figures)
        if payment.method != PaymentMethod.CASH and taken:
            count, amount = close.online_by_method.get(payment.method, (0, 0))
            close.online_by_method[payment.method] = (count + 1, amount + taken)
        if refunded:
            close.refunds.append(
                RefundLine(
                    refunded_at=payment.refunded_at.astimezone(TUNIS),
                    code=reservation.code,
                    plate=vehicle.plate,
                    method=payment.method,
                    amount=refunded,
                )  # fmt: skip
            )
    close.vehicles = sorted(vehicles.values(), key=lambda v: v.plate)
    close.owners = sorted(owners.values(), key=lambda o: o.owner_name.lower())
    close.departures = sorted(departures.values(), key=lambda d: (d.departure, d.trip_id))
    close.refunds.sort(key=lambda r: r.refunded_at)
    return close
