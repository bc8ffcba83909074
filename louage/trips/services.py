"""Departures: plan, edit, cancel, mark departed; official fares. Seats are never
read-modified-written here: booking takes them concurrently with conditional UPDATEs, so
every seat change is one. No departure is priced above its route's official fare."""

from datetime import datetime, timedelta

from django.apps import apps
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from louage.accounts.models import Role
from louage.core import clock
from louage.core.audit import audit, values
from louage.core.audit import changes as audit_changes
from louage.core.errors import (
    Conflict,
    InvalidTransition,
    NotAllowed,
    field_conflict,
    field_not_found,
)
from louage.core.errors import field_error as _invalid
from louage.core.templatetags.money import dt
from louage.core.times import format_local
from louage.stations.cities import CITIES
from louage.stations.models import Station, Vehicle
from louage.stations.services import check_can_manage_station, require_admin, station_of

from .durations import estimate_minutes, route_minutes, with_route_minutes
from .event_data import record_trip_event
from .models import Fare, RouteDuration, Trip, TripKind, TripStatus
from .selectors import official_fare

# The longest a vehicle is away on one departure: a route's duration is at most a day, and
# the vehicle comes back. Bounds the window the clash check reads.
LONGEST_AWAY = timedelta(days=2)
MAX_PRICE = 1_000_000  # 1000 DT per seat: anything above is a typing mistake


TRIP_AUDIT_FIELDS = ("destination_id", "vehicle_id", "departure", "price", "seats_total")


def _positive_int(field, value, *, low, high, message):
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise _invalid(field, message)
    return value


def _seats_total(value, vehicle):
    """1 to 9 (what a louage has); more than this vehicle has is a conflict with the vehicle."""
    _positive_int(
        "seats_total", value, low=1, high=9,
        message=_("Le nombre de places doit être entre 1 et %(n)s (places du véhicule).") % {"n": vehicle.seats},
    )  # fmt: skip
    if value > vehicle.seats:
        raise field_conflict(
            "seats_total",
            _("Le nombre de places doit être entre 1 et %(n)s (places du véhicule).")
            % {"n": vehicle.seats},
        )
    return value


def _departure(value):
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise _invalid("departure", _("Date et heure de départ invalides."))
    if value <= clock.now():
        raise _invalid("departure", _("La date de départ doit être dans le futur."))
    return value


def _price(value):
    return _positive_int(
        "price",
        value,
        low=1,
        high=MAX_PRICE,
        message=_("Le prix doit être un nombre de millimes positif (1000 millimes = 1 DT)."),
    )


def _check_official_fare(price, origin, destination):
    fare = official_fare(origin.city, destination.city)
    if fare is not None and price > fare:
        message = _(
            "Le prix dépasse le tarif officiel du trajet %(origin)s → %(destination)s : %(fare)s par place au plus."
        ) % {"origin": origin.city, "destination": destination.city, "fare": dt(fare)}
        raise field_conflict("price", message, code="above_official_fare")


def _check_managed_here(trip):
    # A queue departure belongs to its queue: the desk sends it, its price is the fare.
    if trip.kind == TripKind.QUEUE:
        raise InvalidTransition(
            _("Ce louage part quand il est complet : gérez-le depuis le guichet (file d'attente)."),
            code="queue_departure",
        )


def _destination(destination_id, origin):
    destination = (
        Station.objects.filter(pk=destination_id, is_active=True).first()
        if destination_id
        else None
    )
    if destination is None:
        raise field_not_found("destination_id", _("Station d'arrivée inconnue."))
    if destination.pk == origin.pk:
        raise _invalid("destination_id", _("L'arrivée doit être différente du départ."))
    return destination


def _vehicle(vehicle_id, origin):
    # Locking the vehicle row serialises plans for one vehicle, so the gap check below holds.
    vehicle = (
        Vehicle.objects.select_for_update(no_key=True).filter(pk=vehicle_id).first()
        if vehicle_id
        else None
    )
    if vehicle is None or vehicle.station_id != origin.pk:
        raise field_not_found("vehicle_id", _("Choisissez un véhicule de la station de départ."))
    if not vehicle.active:
        raise field_conflict(
            "vehicle_id", _("Ce véhicule est hors service."), code="vehicle_inactive"
        )
    return vehicle


def away_minutes(origin, destination):
    """How long a vehicle is away on a departure: the route's duration (set, else estimated)
    there and back, since a vehicle always leaves from its own station."""
    minutes = route_minutes(origin.city, destination.city)
    if minutes is None:
        minutes = estimate_minutes(origin, destination)
    return 2 * minutes


def clashing_trip(vehicle, departure, away, *, exclude_trip=None, kind=None):
    """A departure of the vehicle that overlaps [departure, departure + away): it leaves
    before this one is back, or this one leaves before it is back. None when free."""
    nearby = with_route_minutes(
        Trip.objects.filter(
            vehicle=vehicle,
            departure__gt=departure - LONGEST_AWAY,
            departure__lt=departure + away,
        )
        .exclude(status=TripStatus.CANCELLED)
        .select_related("origin", "destination")
        .order_by("departure", "pk")
    )
    if exclude_trip is not None:
        nearby = nearby.exclude(pk=exclude_trip.pk)
    if kind is not None:
        nearby = nearby.filter(kind=kind)
    for other in nearby:
        back = other.departure + timedelta(minutes=2 * other.timing.minutes)
        if other.departure < departure + away and departure < back:
            other.back_at = back
            return other
    return None


def _check_vehicle_free(vehicle, departure, origin, destination, *, exclude_trip=None):
    away = timedelta(minutes=away_minutes(origin, destination))
    clash = clashing_trip(vehicle, departure, away, exclude_trip=exclude_trip)
    if clash is not None:
        raise Conflict(
            _(
                "Le véhicule %(plate)s est pris par un autre départ (%(when)s, vers %(destination)s, de retour vers %(back)s) : l'aller et le retour doivent tenir entre deux départs."
            )
            % {
                "plate": vehicle.plate,
                "when": format_local(clash.departure, "short"),
                "destination": clash.destination.local_city,
                "back": format_local(clash.back_at, "short"),
            },
            code="vehicle_busy",
        )


def _origin_for(by, origin_id):
    if by.role == Role.CHIEF:
        origin = station_of(by)
        if origin is None:
            raise NotAllowed(_("Vous ne dirigez aucune station."))
        return origin
    if by.role == Role.ADMIN:
        origin = Station.objects.filter(pk=origin_id, is_active=True).first() if origin_id else None
        if not origin_id:
            raise _invalid("origin_id", _("Choisissez la station de départ."))
        if origin is None:
            raise field_not_found("origin_id", _("Station de départ inconnue."))
        return origin
    raise NotAllowed()


@transaction.atomic
def plan_trip(
    *, by, destination_id, vehicle_id, departure, price, seats_total=None, origin_id=None
):
    """Plan a departure from the chief's station (admins name the origin). Raises InvalidInput
    for a bad field, Conflict when the vehicle has another departure less than 2 hours away."""
    origin = _origin_for(by, origin_id)
    destination = _destination(destination_id, origin)
    vehicle = _vehicle(vehicle_id, origin)
    departure = _departure(departure)
    price = _price(price)
    seats = _seats_total(vehicle.seats if seats_total is None else seats_total, vehicle)
    _check_official_fare(price, origin, destination)
    _check_vehicle_free(vehicle, departure, origin, destination)
    trip = Trip.objects.create(
        origin=origin,
        destination=destination,
        vehicle=vehicle,
        departure=departure,
        price=price,
        seats_total=seats,
        seats_available=seats,
    )
    audit(actor=by, action="trip.planned", obj=trip, station_id=origin.pk, price=price, seats=seats)
    record_trip_event("trip.created", trip)
    return trip


@transaction.atomic
def update_trip(*, trip, by, **changes):
    """Edit a scheduled departure. seats_total never goes below the seats already taken:
    that is checked and applied in one conditional UPDATE, atomic against bookings."""
    check_can_manage_station(by, trip.origin_id)
    trip = Trip.objects.select_related("origin", "destination", "vehicle").get(pk=trip.pk)
    _check_managed_here(trip)
    if trip.status != TripStatus.SCHEDULED:
        raise InvalidTransition(_("Seul un départ programmé peut être modifié."))
    before = values(trip, TRIP_AUDIT_FIELDS)
    fields = {}
    vehicle = trip.vehicle
    if changes.get("vehicle_id") not in (None, trip.vehicle_id):
        vehicle = _vehicle(changes["vehicle_id"], trip.origin)
        fields["vehicle"] = vehicle
    if changes.get("destination_id") not in (None, trip.destination_id):
        fields["destination"] = _destination(changes["destination_id"], trip.origin)
    departure = trip.departure
    # A form re-sends the unchanged time: only a new time has to lie in the future.
    if changes.get("departure") is not None and changes["departure"] != trip.departure:
        departure = _departure(changes["departure"])
        fields["departure"] = departure
    if changes.get("price") is not None:
        fields["price"] = _price(changes["price"])
    if "price" in fields or "destination" in fields:
        _check_official_fare(
            fields.get("price", trip.price),
            trip.origin,
            fields.get("destination", trip.destination),
        )
    if "vehicle" in fields or "departure" in fields or "destination" in fields:
        _check_vehicle_free(
            vehicle,
            departure,
            trip.origin,
            fields.get("destination", trip.destination),
            exclude_trip=trip,
        )
    seats = changes.get("seats_total")
    if seats is None and vehicle.seats < trip.seats_total:
        seats = vehicle.seats
    if seats is not None:
        seats = _seats_total(seats, vehicle)
        resized = Trip.objects.filter(
            pk=trip.pk, status=TripStatus.SCHEDULED, seats_available__gte=F("seats_total") - seats
        ).update(seats_available=F("seats_available") + seats - F("seats_total"), seats_total=seats)
        if not resized:
            raise field_conflict(
                "seats_total", _("Impossible : des places déjà réservées dépassent ce nombre.")
            )
    if fields and not Trip.objects.filter(pk=trip.pk, status=TripStatus.SCHEDULED).update(**fields):
        raise InvalidTransition(_("Seul un départ programmé peut être modifié."))
    updated = Trip.objects.select_related("origin", "destination", "vehicle").get(pk=trip.pk)
    before, after = audit_changes(before, values(updated, TRIP_AUDIT_FIELDS))
    audit(actor=by, action="trip.updated", obj=trip, station_id=trip.origin_id,
          before=before, after=after)  # fmt: skip
    record_trip_event("trip.updated", trip, changed=sorted(after))
    return updated


@transaction.atomic
def cancel_trip(*, trip, by, reason=""):
    """Cancel a scheduled departure; its live reservations are cancelled, refunded and their
    travellers told (booking's hook, same transaction)."""
    check_can_manage_station(by, trip.origin_id)
    _check_managed_here(trip)
    now = clock.now()
    changed = Trip.objects.filter(pk=trip.pk, status=TripStatus.SCHEDULED).update(
        status=TripStatus.CANCELLED, cancelled_at=now
    )
    if not changed:
        raise InvalidTransition(_("Ce départ n'est plus programmé : il ne peut pas être annulé."))
    trip.refresh_from_db()
    if apps.is_installed("louage.booking"):
        from louage.booking.services import cancel_reservations_of_trip

        cancel_reservations_of_trip(trip=trip, by=by)
    audit(
        actor=by, action="trip.cancelled", obj=trip, station_id=trip.origin_id, reason=reason[:200]
    )
    record_trip_event("trip.cancelled", trip)
    return trip


@transaction.atomic
def mark_departed(*, trip, by):
    """The vehicle leaves, once (two tabs sending it: the second gets InvalidTransition), and
    its unpaid holds end (booking's hook, same transaction; lock order trip → reservations).
    A queue departure leaves through its queue, which then loads the next vehicle."""
    check_can_manage_station(by, trip.origin_id)
    if trip.kind == TripKind.QUEUE and apps.is_installed("louage.queues"):
        from louage.queues.services import depart_queue_trip

        return depart_queue_trip(trip=trip, by=by)
    changed = Trip.objects.filter(pk=trip.pk, status=TripStatus.SCHEDULED).update(
        status=TripStatus.DEPARTED, departed_at=clock.now()
    )
    if not changed:
        raise InvalidTransition(_("Ce départ n'est plus programmé."))
    trip.refresh_from_db()
    ended = 0
    if apps.is_installed("louage.booking"):
        # Sent early, the departure keeps no unpaid hold: nothing is paid on a vehicle gone.
        from louage.booking.services import end_holds_of_departed_trip

        ended = end_holds_of_departed_trip(trip=trip, by=by)
    audit(actor=by, action="trip.departed", obj=trip, station_id=trip.origin_id,
          holds_ended=ended)  # fmt: skip
    record_trip_event("trip.departed", trip)
    return trip


# --- official fares ---------------------------------------------------------------------------


def _fare_fields(origin_city, destination_city, price, *, field_prefix=""):
    if origin_city not in CITIES:
        raise _invalid(
            f"{field_prefix}origin_city", _("Ville inconnue : choisissez une ville de la liste.")
        )
    if destination_city not in CITIES:
        raise _invalid(
            f"{field_prefix}destination_city",
            _("Ville inconnue : choisissez une ville de la liste."),
        )
    if origin_city == destination_city:
        raise _invalid(
            f"{field_prefix}destination_city", _("L'arrivée doit être différente du départ.")
        )
    price = _positive_int(
        f"{field_prefix}price", price, low=1, high=MAX_PRICE,
        message=_("Le tarif doit être un nombre de millimes positif (1000 millimes = 1 DT)."),
    )  # fmt: skip
    return origin_city, destination_city, price


def _check_fare_unused(origin_city, destination_city):
    # Queue departures take their price from the fare: a route with a queue keeps one.
    if apps.is_installed("louage.queues"):
        from louage.queues.models import Queue

        if Queue.objects.filter(
            station__city=origin_city, destination__city=destination_city
        ).exists():
            raise Conflict(
                _(
                    "Une file d'attente dessert %(origin)s → %(destination)s : ce trajet garde un tarif officiel."
                )
                % {"origin": origin_city, "destination": destination_city},
                code="fare_in_use",
            )


@transaction.atomic
def set_fare(*, by, origin_city, destination_city, price):
    """Admins set (create or change) the official fare of one route."""
    require_admin(by)
    origin_city, destination_city, price = _fare_fields(origin_city, destination_city, price)
    previous = (
        Fare.objects.filter(origin_city=origin_city, destination_city=destination_city)
        .values_list("price", flat=True)
        .first()
    )
    fare, created = Fare.objects.update_or_create(
        origin_city=origin_city, destination_city=destination_city, defaults={"price": price}
    )
    audit(actor=by, action="fare.set", obj=fare, route=str(fare), created=created,
          before=None if created else {"price": previous}, after={"price": price})  # fmt: skip
    return fare


@transaction.atomic
def delete_fare(*, by, fare):
    require_admin(by)
    _check_fare_unused(fare.origin_city, fare.destination_city)
    audit(actor=by, action="fare.deleted", obj=fare, route=str(fare), price=fare.price)
    fare.delete()


@transaction.atomic
def replace_fares(*, by, fares):
    """Admins replace the whole fare table with `fares` (dicts with origin_city,
    destination_city, price). Every row is checked first: one bad row changes nothing."""
    require_admin(by)
    wanted = {}
    for index, row in enumerate(fares):
        origin_city, destination_city, price = _fare_fields(
            row.get("origin_city"), row.get("destination_city"), row.get("price"),
            field_prefix=f"{index}.",
        )  # fmt: skip
        if (origin_city, destination_city) in wanted:
            raise _invalid(
                f"{index}.destination_city",
                _("Le trajet %(origin)s → %(destination)s figure deux fois.")
                % {"origin": origin_city, "destination": destination_city},
            )
        wanted[(origin_city, destination_city)] = price
    existing = {
        (f.origin_city, f.destination_city): f for f in Fare.objects.select_for_update(no_key=True)
    }
    for route in sorted(existing.keys() - wanted.keys()):
        _check_fare_unused(*route)
        fare = existing[route]
        audit(actor=by, action="fare.deleted", obj=fare, route=str(fare), price=fare.price)
        fare.delete()
    for (origin_city, destination_city), price in wanted.items():
        fare = existing.get((origin_city, destination_city))
        if fare is None:
            fare = Fare.objects.create(
                origin_city=origin_city, destination_city=destination_city, price=price
            )
            audit(actor=by, action="fare.set", obj=fare, route=str(fare), price=price, created=True)
        elif fare.price != price:
            fare.price = price
            fare.save(update_fields=["price", "updated_at"])
            audit(
                actor=by, action="fare.set", obj=fare, route=str(fare), price=price, created=False
            )
    return Fare.objects.order_by("origin_city", "destination_city")


@transaction.atomic
def set_route_duration(*, by, origin_city, destination_city, minutes):
    """An administrator sets how long a route takes (5 minutes to 24 hours); None goes back
    to the estimate from the stations' distance. Returns the RouteDuration or None."""
    from louage.stations.cities import CITIES

    if getattr(by, "role", None) != Role.ADMIN:
        raise NotAllowed()
    for name, city in (("origin_city", origin_city), ("destination_city", destination_city)):
        if city not in CITIES:
            raise _invalid(name, _("Ville inconnue : choisissez une ville de la liste."))
    if origin_city == destination_city:
        raise _invalid("destination_city", _("L'arrivée doit être différente du départ."))
    if minutes is None:
        existing = RouteDuration.objects.filter(
            origin_city=origin_city, destination_city=destination_city
        ).first()
        if existing is not None:
            audit(actor=by, action="route_duration.cleared", obj=existing, minutes=existing.minutes)
            existing.delete()
        return None
    minutes = _positive_int(
        "minutes", minutes, low=5, high=1440,
        message=_("La durée doit être entre 5 minutes et 24 heures."),
    )  # fmt: skip
    duration, _created = RouteDuration.objects.update_or_create(
        origin_city=origin_city, destination_city=destination_city, defaults={"minutes": minutes}
    )
    audit(actor=by, action="route_duration.set", obj=duration, minutes=minutes)
    return duration
