"""The demo network: real stations, their chiefs and vehicles, a month of departures."""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction

from louage.accounts.models import Role
from louage.core import clock
from louage.core.times import TUNIS
from louage.trips.models import Trip, TripStatus

from .geo import road_km
from .models import Station, Vehicle

# name, city, chief slug, phone, address, latitude, longitude, vehicles
STATIONS = [
    ("Tunis Moncef Bey", "Tunis", "tunis", "+21671334455", "Avenue Moncef Bey, Tunis", "36.792500", "10.188000", 14),
    ("Sousse Bab Jedid", "Sousse", "sousse", "+21673225566", "Avenue Mohamed Ali, Sousse", "35.827000", "10.639000", 8),
    ("Sfax Bab Jebli", "Sfax", "sfax", "+21674296677", "Route de Tunis, Sfax", "34.741000", "10.760000", 8),
    ("Monastir Centre", "Monastir", "monastir", "+21673461122", "Avenue de la République, Monastir", "35.764300", "10.811300", 5),
    ("Nabeul Gare routière", "Nabeul", "nabeul", "+21672285544", "Avenue Habib Thameur, Nabeul", "36.456100", "10.737600", 6),
    ("Bizerte Station louage", "Bizerte", "bizerte", "+21672431188", "Quai Tarak Ibn Zied, Bizerte", "37.274400", "9.873900", 6),
    ("Kairouan Station nord", "Kairouan", "kairouan", "+21677230099", "Route de Tunis, Kairouan", "35.678100", "10.096300", 5),
    ("Gabès Station louage", "Gabès", "gabes", "+21675270011", "Avenue Farhat Hached, Gabès", "33.881500", "10.098200", 6),
    ("Gafsa Station louage", "Gafsa", "gafsa", "+21676224433", "Avenue Taïeb Mhiri, Gafsa", "34.425000", "8.784200", 4),
    ("Médenine Station louage", "Médenine", "medenine", "+21675640022", "Route de Djerba, Médenine", "33.354900", "10.505500", 4),
    ("Tozeur Station louage", "Tozeur", "tozeur", "+21676452233", "Avenue Abou El Kacem Chebbi, Tozeur", "33.919700", "8.133500", 4),
    ("Le Kef Station louage", "Le Kef", "kef", "+21678201144", "Avenue Hédi Chaker, Le Kef", "36.182200", "8.714800", 4),
    ("Béja Station louage", "Béja", "beja", "+21678451155", "Route de Tunis, Béja", "36.725600", "9.181700", 4),
    ("Mahdia Station louage", "Mahdia", "mahdia", "+21673681166", "Avenue Habib Bourguiba, Mahdia", "35.504700", "11.062200", 4),
]  # fmt: skip

STATION_NAMES_AR = {
    "Tunis Moncef Bey": "تونس - منصف باي", "Sousse Bab Jedid": "سوسة - باب جديد",
    "Sfax Bab Jebli": "صفاقس - باب الجبلي", "Monastir Centre": "المنستير - الوسط",
    "Nabeul Gare routière": "نابل - المحطة البرية", "Bizerte Station louage": "محطة اللواج ببنزرت",
    "Kairouan Station nord": "القيروان - المحطة الشمالية", "Gabès Station louage": "محطة اللواج بقابس",
    "Gafsa Station louage": "محطة اللواج بقفصة", "Médenine Station louage": "محطة اللواج بمدنين",
    "Tozeur Station louage": "محطة اللواج بتوزر", "Le Kef Station louage": "محطة اللواج بالكاف",
    "Béja Station louage": "محطة اللواج بباجة", "Mahdia Station louage": "محطة اللواج بالمهدية",
}  # fmt: skip

CHIEF_NAMES = [
    ("Sami", "Ben Romdhane"), ("Hela", "Mejri"), ("Walid", "Kallel"), ("Rym", "Ayari"), ("Karim", "Nasri"),
    ("Olfa", "Hammami"), ("Nabil", "Ghanmi"), ("Sonia", "Bouazizi"), ("Fathi", "Jlassi"), ("Leila", "Mabrouk"),
    ("Anis", "Sassi"), ("Mariem", "Chebbi"), ("Hatem", "Riahi"), ("Nour", "Khemiri"),
]  # fmt: skip

# Busy routes get more departures a day (both directions).
MAIN_ROUTES = {("tunis", "sousse"), ("tunis", "sfax"), ("tunis", "nabeul"), ("tunis", "bizerte")}
OTHER_ROUTES = [
    ("sousse", "sfax"), ("sousse", "monastir"), ("sousse", "mahdia"), ("sousse", "kairouan"),
    ("sfax", "gabes"), ("sfax", "gafsa"), ("gabes", "medenine"), ("gafsa", "tozeur"), ("monastir", "mahdia"),
]  # fmt: skip
MILLIMES_PER_KM = 85
VEHICLE_GAP = timedelta(hours=2)


def fare(a, b):
    """Per-seat fare in millimes, rounded to 100 millimes (Tunis–Sousse ≈ 12 DT)."""
    return max(1500, round(road_km(a, b) * MILLIMES_PER_KM / 100) * 100)


def _routes():
    routes = []
    for _name, _city, slug, *_rest in STATIONS[1:]:
        routes.append(("tunis", slug))
    routes += OTHER_ROUTES
    directed = []
    for a, b in routes:
        per_day = 6 if (a, b) in MAIN_ROUTES else 2
        directed += [(a, b, per_day), (b, a, per_day)]
    return directed


@transaction.atomic
def seed_network(stdout=None):
    from louage.core.demo import ensure_user

    rng = random.Random(2024)
    stations = {}
    for index, (name, city, slug, phone, address, lat, lon, vehicle_count) in enumerate(STATIONS):
        first, last = CHIEF_NAMES[index]
        chief = ensure_user(
            f"chef.{slug}@louage.tn", first_name=first, last_name=last, role=Role.CHIEF, phone=phone
        )
        station, _ = Station.objects.get_or_create(
            name=name,
            defaults={
                "city": city,
                "name_ar": STATION_NAMES_AR.get(name, ""),
                "phone": phone,
                "address": address,
                "latitude": Decimal(lat),
                "longitude": Decimal(lon),
            },
        )
        if not station.name_ar and STATION_NAMES_AR.get(name):
            station.name_ar = STATION_NAMES_AR[name]
            station.save(update_fields=["name_ar"])
        if station.chief_id is None and not Station.objects.filter(chief=chief).exists():
            station.chief = chief
            station.save(update_fields=["chief"])
        for n in range(vehicle_count):
            plate = f"{rng.randint(100, 250)} TU {1000 + index * 100 + n}"
            Vehicle.objects.get_or_create(
                plate=plate,
                defaults={"station": station, "owner_name": f"{rng.choice(CHIEF_NAMES)[0]} {rng.choice(CHIEF_NAMES)[1]}",
                          "owner_phone": f"+2169{rng.randint(1000000, 9999999)}", "seats": 8},
            )  # fmt: skip
        stations[slug] = station

    if Trip.objects.filter(origin__in=stations.values()).exists():
        return stations  # departures already seeded: stay idempotent
    _seed_departures(stations, rng)
    if stdout:
        stdout.write(f"Network: {len(stations)} stations, {Trip.objects.count()} departures.")
    return stations


def _seed_departures(stations, rng):
    today = clock.now().astimezone(TUNIS).date()
    now = clock.now()
    vehicles = {
        slug: list(station.vehicles.filter(active=True).order_by("plate"))
        for slug, station in stations.items()
    }
    trips = []
    for day_offset in range(-7, 31):
        day = today + timedelta(days=day_offset)
        wanted = []
        for a, b, per_day in _routes():
            for slot in _slots(per_day, rng):
                wanted.append((datetime.combine(day, slot, tzinfo=TUNIS), a, b))
        wanted.sort()
        last_use = {}
        for departure, a, b in wanted:
            vehicle = next(
                (
                    v
                    for v in vehicles[a]
                    if departure - last_use.get(v.pk, datetime.min.replace(tzinfo=TUNIS))
                    >= VEHICLE_GAP
                ),
                None,
            )
            if vehicle is None:
                continue
            last_use[vehicle.pk] = departure
            past = departure < now
            trips.append(
                Trip(
                    origin=stations[a],
                    destination=stations[b],
                    vehicle=vehicle,
                    departure=departure,
                    price=fare(stations[a], stations[b]),
                    seats_total=vehicle.seats,
                    # Seats are only ever taken by reservations, which the booking demo adds.
                    seats_available=vehicle.seats,
                    status=TripStatus.DEPARTED if past else TripStatus.SCHEDULED,
                    departed_at=departure if past else None,
                )
            )
    Trip.objects.bulk_create(trips, batch_size=1000)


def _slots(per_day, rng):
    hours = [6, 7, 8, 10, 12, 14, 16, 18] if per_day > 2 else [7, 15]
    chosen = sorted(rng.sample(hours, per_day))
    return [time(hour, rng.choice([0, 15, 30, 45])) for hour in chosen]
