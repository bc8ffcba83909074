"""Stations (admins) and vehicles (the station's chief, admins): every change goes through here."""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from louage.accounts.models import Role, User
from louage.core.audit import audit, changes, values
from louage.core.errors import Conflict, NotAllowed, NotFound, field_conflict, field_not_found
from louage.core.errors import field_error as _invalid
from louage.core.validators import normalize_tunisian_phone

from .cities import CITIES
from .models import Station, Vehicle

# Leading zeros are ignored ("007 TU 0042" is 7 TU 42); the API schema says the same pattern.
PLATE_PATTERN = r"^ *0*([1-9][0-9]{0,2}) *(?:[Tt][UuNn]|تونس) *0*([1-9][0-9]{0,3}) *$"
PLATE_RE = re.compile(PLATE_PATTERN)
STATION_FIELDS = (
    "name",
    "name_ar",
    "city",
    "phone",
    "address",
    "latitude",
    "longitude",
    "chief_id",
    "is_active",
)
VEHICLE_FIELDS = ("plate", "owner_name", "owner_phone", "seats", "active")
STATION_AUDIT_FIELDS = STATION_FIELDS


def normalize_plate(value):
    """'123tu4567', '123 TU 4567', '123 تونس 4567' → '123 TU 4567'; anything else is refused."""
    match = PLATE_RE.match(value or "")
    if not match:
        raise _invalid("plate", _("Immatriculation invalide : format attendu « 123 TU 4567 »."))
    series, number = match.groups()
    return f"{int(series)} TU {int(number)}"


def _phone(field, value, *, required=False):
    try:
        phone = normalize_tunisian_phone(value)
    except ValidationError as exc:
        raise _invalid(field, exc.messages[0]) from None
    if required and not phone:
        raise _invalid(field, _("Ce champ est obligatoire."))
    return phone


def _text(field, value, *, max_length, required=True):
    value = (value or "").strip()
    if required and not value:
        raise _invalid(field, _("Ce champ est obligatoire."))
    if len(value) > max_length:
        raise _invalid(field, _("%(n)s caractères au plus.") % {"n": max_length})
    return value


def _coordinate(field, value, low, high):
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError, TypeError):
        raise _invalid(field, _("Coordonnée invalide.")) from None
    if not (low <= number <= high):
        raise _invalid(
            field,
            _("Ce point n'est pas en Tunisie (%(low)s à %(high)s).") % {"low": low, "high": high},
        )
    return number


def require_admin(user):
    if getattr(user, "role", None) != Role.ADMIN:
        raise NotAllowed()


def station_of(user):
    """The station a chief runs, or None."""
    if getattr(user, "role", None) != Role.CHIEF:
        return None
    return Station.objects.filter(chief=user).first()


def check_can_manage_station(user, station_id):
    """Admins manage every station; a chief only the one it runs. Others: NotAllowed."""
    role = getattr(user, "role", None)
    if role == Role.ADMIN:
        return
    if role == Role.CHIEF:
        own = station_of(user)
        if own is not None and own.pk == station_id:
            return
        raise NotFound(_("Introuvable dans votre station."))
    raise NotAllowed()


def _chief(chief_id, *, station=None):
    if chief_id in (None, ""):
        return None
    chief = User.objects.filter(pk=chief_id, deleted_at__isnull=True, is_active=True).first()
    if chief is None:
        raise field_not_found("chief_id", _("Utilisateur introuvable."))
    if chief.role != Role.CHIEF:
        raise field_conflict("chief_id", _("Cet utilisateur n'a pas le rôle « chef de station »."))
    taken = Station.objects.filter(chief=chief)
    if station is not None:
        taken = taken.exclude(pk=station.pk)
    if taken.exists():
        raise field_conflict("chief_id", _("Ce chef dirige déjà une autre station."))
    return chief


def _apply_station_fields(station, data):
    if "name" in data:
        station.name = _text("name", data["name"], max_length=120)
        clash = Station.objects.filter(name__iexact=station.name).exclude(pk=station.pk)
        if clash.exists():
            raise field_conflict("name", _("Une station porte déjà ce nom."), code="name_taken")
    if "name_ar" in data:
        station.name_ar = _text("name_ar", data["name_ar"], max_length=120, required=False)
    if "city" in data:
        if data["city"] not in CITIES:
            raise _invalid("city", _("Ville inconnue : choisissez une ville de la liste."))
        station.city = data["city"]
    if "phone" in data:
        station.phone = _phone("phone", data["phone"])
    if "address" in data:
        station.address = _text("address", data["address"], max_length=255, required=False)
    if "latitude" in data:
        station.latitude = _coordinate("latitude", data["latitude"], 30, 38)
    if "longitude" in data:
        station.longitude = _coordinate("longitude", data["longitude"], 7, 12)
    if "chief_id" in data:
        station.chief = _chief(data["chief_id"], station=station if station.pk else None)
    if "is_active" in data:
        station.is_active = bool(data["is_active"])


def _save_unique(instance, field, message):
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise field_conflict(field, message) from None


@transaction.atomic
def create_station(*, by, **data):
    require_admin(by)
    for field in ("name", "city", "latitude", "longitude"):
        if data.get(field) in (None, ""):
            raise _invalid(field, _("Ce champ est obligatoire."))
    station = Station()
    _apply_station_fields(station, {k: v for k, v in data.items() if k in STATION_FIELDS})
    _save_unique(
        station, "name", _("Une station porte déjà ce nom, ou ce chef dirige déjà une station.")
    )
    audit(actor=by, action="station.created", obj=station, station_id=station.pk)
    return station


@transaction.atomic
def update_station(*, station, by, **data):
    require_admin(by)
    station = Station.objects.select_for_update(no_key=True).get(pk=station.pk)
    before = values(station, STATION_AUDIT_FIELDS)
    _apply_station_fields(station, {k: v for k, v in data.items() if k in STATION_FIELDS})
    _save_unique(
        station, "name", _("Une station porte déjà ce nom, ou ce chef dirige déjà une station.")
    )
    before, after = changes(before, values(station, STATION_AUDIT_FIELDS))
    audit(actor=by, action="station.updated", obj=station, station_id=station.pk,
          before=before, after=after)  # fmt: skip
    return station


@transaction.atomic
def delete_station(*, station, by):
    """Deletes an unused station. One with vehicles or departures is kept: deactivate it."""
    require_admin(by)
    if station.vehicles.exists() or station.departures.exists() or station.arrivals.exists():
        raise Conflict(
            _(
                "Cette station a des véhicules ou des départs : elle ne peut pas être supprimée. Désactivez-la plutôt."
            ),
            code="station_in_use",
        )
    audit(actor=by, action="station.deleted", obj=station, name=station.name)
    try:
        with transaction.atomic():
            station.delete()
    except ProtectedError:  # a queue leaves from or goes to it
        raise Conflict(
            _("Des files d'attente partent de cette station ou y vont : désactivez-la plutôt."),
            code="station_in_use",
        ) from None


@transaction.atomic
def set_station_active(*, station, active, by):
    require_admin(by)
    station.is_active = active
    # A save, not a queryset update: its signal makes searches read the stations again.
    station.save(update_fields=["is_active"])
    audit(
        actor=by,
        action="station.activated" if active else "station.deactivated",
        obj=station,
        station_id=station.pk,
    )
    return station


# --- vehicles ---------------------------------------------------------------------------------


def _apply_vehicle_fields(vehicle, data):
    if "plate" in data:
        vehicle.plate = normalize_plate(data["plate"])
        if Vehicle.objects.filter(plate=vehicle.plate).exclude(pk=vehicle.pk).exists():
            raise field_conflict(
                "plate", _("Un véhicule porte déjà cette immatriculation."), code="plate_taken"
            )
    if "owner_name" in data:
        vehicle.owner_name = _text("owner_name", data["owner_name"], max_length=150)
    if "owner_phone" in data:
        vehicle.owner_phone = _phone("owner_phone", data["owner_phone"])
    if "seats" in data:
        seats = data["seats"]
        if not isinstance(seats, int) or isinstance(seats, bool) or not 1 <= seats <= 9:
            raise _invalid("seats", _("Le nombre de places doit être entre 1 et 9."))
        if vehicle.pk and seats < vehicle.seats:
            # A departure never has more seats than its vehicle.
            from louage.trips.models import Trip, TripStatus

            if Trip.objects.filter(
                vehicle=vehicle, status=TripStatus.SCHEDULED, seats_total__gt=seats
            ).exists():
                raise field_conflict(
                    "seats", _("Des départs programmés utilisent plus de places que cela.")
                )
        vehicle.seats = seats
    if "active" in data:
        vehicle.active = bool(data["active"])


@transaction.atomic
def create_vehicle(*, by, station=None, **data):
    """A chief adds to its own station; an admin names the station."""
    if getattr(by, "role", None) == Role.CHIEF:
        station = station_of(by)
        if station is None:
            raise NotAllowed(_("Vous ne dirigez aucune station."))
    elif getattr(by, "role", None) == Role.ADMIN:
        if station is None:
            raise _invalid("station_id", _("Choisissez la station du véhicule."))
    else:
        raise NotAllowed()
    for field in ("plate", "owner_name"):
        if not data.get(field):
            raise _invalid(field, _("Ce champ est obligatoire."))
    vehicle = Vehicle(station=station, seats=8)
    _apply_vehicle_fields(vehicle, {k: v for k, v in data.items() if k in VEHICLE_FIELDS})
    _save_unique(vehicle, "plate", _("Un véhicule porte déjà cette immatriculation."))
    audit(
        actor=by, action="vehicle.created", obj=vehicle, station_id=station.pk, plate=vehicle.plate
    )
    return vehicle


@transaction.atomic
def update_vehicle(*, vehicle, by, **data):
    check_can_manage_station(by, vehicle.station_id)
    vehicle = Vehicle.objects.select_for_update(no_key=True).get(pk=vehicle.pk)
    before = values(vehicle, VEHICLE_FIELDS)
    _apply_vehicle_fields(vehicle, {k: v for k, v in data.items() if k in VEHICLE_FIELDS})
    _save_unique(vehicle, "plate", _("Un véhicule porte déjà cette immatriculation."))
    before, after = changes(before, values(vehicle, VEHICLE_FIELDS))
    audit(actor=by, action="vehicle.updated", obj=vehicle, station_id=vehicle.station_id,
          before=before, after=after)  # fmt: skip
    return vehicle


@transaction.atomic
def remove_vehicle(*, vehicle, by):
    """Deletes a vehicle that never served; one with departures is deactivated instead.
    Returns "deleted" or "deactivated"."""
    check_can_manage_station(by, vehicle.station_id)
    if not vehicle.trips.exists():
        try:
            with transaction.atomic():
                audit(actor=by, action="vehicle.deleted", obj=vehicle,
                      station_id=vehicle.station_id, plate=vehicle.plate)  # fmt: skip
                vehicle.delete()
            return "deleted"
        except ProtectedError:  # still referred to (a queue's history): kept, out of service
            pass
    Vehicle.objects.filter(pk=vehicle.pk).update(active=False)
    vehicle.active = False
    audit(actor=by, action="vehicle.deactivated", obj=vehicle, station_id=vehicle.station_id)
    return "deactivated"
