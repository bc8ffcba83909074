"""The network as a GTFS Schedule feed (https://gtfs.org/documentation/schedule/reference/).

- stops: the active stations; stop_id is the station's id in the API.
- routes: one per origin station → destination station served, route_type GTFS_ROUTE_TYPE
  (1501, "communal taxi" in the extended route types; 700, "bus service", for consumers
  that read only the basic and European types).
- trips + stop_times: each scheduled departure of the window is a trip of two stops; the
  arrival comes from the route's journey time (timepoint=0 when it is an estimate).
  trip_id is the departure's id in the API.
- calendar_dates: one service per day ("20261127"), one more ("queues") on every day.
- frequencies: a depart-when-full queue is one template trip run all day, every
  `headway` minutes, with exact_times=0 (a vehicle leaves when full, not on the minute).
- fare_attributes + fare_rules: the official fare of a route's cities, where one is set.
- translations: stations' Arabic names; feed_info: publisher, window and version.

Times are counted from "noon minus 12 h" of the service day, so an arrival after midnight
reads 25:10:00. The zip is the same bytes for the same network (sorted rows, fixed zip
dates), so its SHA-256 serves as ETag and an unchanged network keeps its ETag.
"""

import hashlib
import io
import zipfile
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.urls import reverse

from louage.core.csvfiles import csv_text
from louage.core.times import TUNIS

AGENCY_ID = "louage"
QUEUE_SERVICE = "queues"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

COLUMNS = {
    "agency.txt": [
        "agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang",
        "agency_email",
    ],
    "stops.txt": [
        "stop_id", "stop_name", "stop_desc", "stop_lat", "stop_lon", "location_type", "stop_url",
    ],
    "routes.txt": [
        "route_id", "agency_id", "route_short_name", "route_long_name", "route_type",
    ],
    "trips.txt": ["route_id", "service_id", "trip_id", "trip_headsign"],
    "stop_times.txt": [
        "trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence",
        "pickup_type", "drop_off_type", "timepoint",
    ],
    "calendar_dates.txt": ["service_id", "date", "exception_type"],
    "frequencies.txt": ["trip_id", "start_time", "end_time", "headway_secs", "exact_times"],
    "fare_attributes.txt": [
        "fare_id", "price", "currency_type", "payment_method", "transfers", "agency_id",
    ],
    "fare_rules.txt": ["fare_id", "route_id"],
    "translations.txt": ["table_name", "field_name", "language", "translation", "record_id"],
    "feed_info.txt": [
        "feed_publisher_name", "feed_publisher_url", "feed_lang", "feed_start_date",
        "feed_end_date", "feed_version", "feed_contact_email", "feed_contact_url",
    ],
}  # fmt: skip
# Written only when they have rows (every other file always is).
OPTIONAL_FILES = {
    "frequencies.txt",
    "fare_attributes.txt",
    "fare_rules.txt",
    "translations.txt",
}
NO_PICKUP = 1  # GTFS pickup_type / drop_off_type: "not available"


def gtfs_time(seconds):
    """Seconds since the service day's start → 'HH:MM:SS', hours past 23 included."""
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def service_day_start(day):
    """GTFS counts a day's times from noon minus 12 h (midnight, except on days the clocks
    change): computed in absolute time, not wall-clock time."""
    return datetime.combine(day, time(12), tzinfo=TUNIS).astimezone(UTC) - timedelta(hours=12)


def seconds_into(day, moment):
    return (moment - service_day_start(day)).total_seconds()


def parse_hours(value):
    """'06:00-20:00' → (21600, 72000): when queues run, as GTFS times of the day."""
    try:
        first, last = (datetime.strptime(part.strip(), "%H:%M") for part in value.split("-"))
    except ValueError:
        raise ValueError(f"GTFS_QUEUE_HOURS must read like 06:00-20:00, not {value!r}") from None
    start, end = first.hour * 3600 + first.minute * 60, last.hour * 3600 + last.minute * 60
    if end <= start:
        raise ValueError(f"GTFS_QUEUE_HOURS must end after it starts: {value!r}")
    return start, end


def tnd(millimes):
    """GTFS prices are in the currency's unit with its minor digits: 12750 → '12.750'."""
    return f"{millimes // 1000}.{millimes % 1000:03d}"


def route_id(origin_id, destination_id):
    return f"{origin_id}-{destination_id}"


def tables(network):
    """{file name: rows (lists in COLUMNS order)} for `network` (selectors.network)."""
    site = settings.SITE_URL
    agency_url = settings.GTFS_AGENCY_URL or f"{site}/"
    stations = network.stations
    out = {name: [] for name in COLUMNS}
    out["agency.txt"].append(
        [AGENCY_ID, settings.GTFS_AGENCY_NAME, agency_url, settings.TIME_ZONE, "fr",
         settings.GTFS_CONTACT_EMAIL]
    )  # fmt: skip
    for station in stations.values():
        description = station.address if station.address != station.name else ""
        out["stops.txt"].append(
            [station.pk, station.name, description, f"{station.latitude:.6f}",
             f"{station.longitude:.6f}", 0,
             f"{site}{reverse('stations:detail', args=[station.pk])}"]
        )  # fmt: skip
        if station.name_ar:
            out["translations.txt"].append(
                ["stops", "stop_name", "ar", station.name_ar, station.pk]
            )
    routes = network.routes()
    for origin_id, destination_id in routes:
        origin, destination = stations[origin_id], stations[destination_id]
        out["routes.txt"].append(
            [route_id(origin_id, destination_id), AGENCY_ID, "",
             f"{origin.name} → {destination.name}", settings.GTFS_ROUTE_TYPE]
        )  # fmt: skip
    service_days = set()
    for departure in network.departures:
        day = departure.departure.astimezone(TUNIS).date()
        service_days.add(day)
        journey = network.journeys[departure.origin_id, departure.destination_id]
        leaves = seconds_into(day, departure.departure)
        arrives = leaves + journey.minutes * 60
        trip_id = departure.trip_id
        out["trips.txt"].append(
            [route_id(departure.origin_id, departure.destination_id), day.strftime("%Y%m%d"),
             trip_id, stations[departure.destination_id].name]
        )  # fmt: skip
        out["stop_times.txt"] += _two_stops(
            trip_id, departure.origin_id, departure.destination_id, leaves, arrives, journey
        )
    for day in sorted(service_days):
        out["calendar_dates.txt"].append([day.strftime("%Y%m%d"), day.strftime("%Y%m%d"), 1])
    if network.queues:
        start, end = parse_hours(settings.GTFS_QUEUE_HOURS)
        day = network.first_day
        while day <= network.last_day:
            out["calendar_dates.txt"].append([QUEUE_SERVICE, day.strftime("%Y%m%d"), 1])
            day += timedelta(days=1)
        for queue in network.queues:
            trip_id = f"queue-{queue.queue_id}"
            journey = network.journeys[queue.origin_id, queue.destination_id]
            out["trips.txt"].append(
                [route_id(queue.origin_id, queue.destination_id), QUEUE_SERVICE, trip_id,
                 stations[queue.destination_id].name]
            )  # fmt: skip
            # The template trip leaves at the first departure time; frequencies repeat it.
            out["stop_times.txt"] += _two_stops(
                trip_id, queue.origin_id, queue.destination_id, start,
                start + journey.minutes * 60, journey,
            )  # fmt: skip
            out["frequencies.txt"].append(
                [trip_id, gtfs_time(start), gtfs_time(end), queue.headway_minutes * 60, 0]
            )
    fare_routes = {}
    for origin_id, destination_id in routes:
        key = (stations[origin_id].city, stations[destination_id].city)
        fare = network.fares.get(key)
        if fare is not None:
            fare_routes.setdefault(fare, []).append(route_id(origin_id, destination_id))
    for fare in sorted(fare_routes, key=lambda f: f.pk):
        fare_id = f"fare-{fare.pk}"
        # payment_method 1: paid before boarding (online or at the desk); no transfers.
        out["fare_attributes.txt"].append([fare_id, tnd(fare.price), "TND", 1, 0, AGENCY_ID])
        out["fare_rules.txt"] += [[fare_id, route] for route in fare_routes[fare]]
    return out


def _two_stops(trip_id, origin_id, destination_id, leaves, arrives, journey):
    """A louage boards at its station and sets down at its destination, nowhere between."""
    exact_arrival = 0 if journey.estimated else 1
    return [
        [trip_id, gtfs_time(leaves), gtfs_time(leaves), origin_id, 1, 0, NO_PICKUP, 1],
        [trip_id, gtfs_time(arrives), gtfs_time(arrives), destination_id, 2, NO_PICKUP, 0,
         exact_arrival],
    ]  # fmt: skip


def _csv(columns, rows):
    # The one CSV writer, without the spreadsheet quote: GTFS is read by journey planners to
    # its reference, where a leading quote would change a station's name (and a coordinate).
    return csv_text([columns, *rows], spreadsheet=False).encode("utf-8")


def write_zip(network):
    """(zip bytes, {file name: row count}) of the feed for `network`."""
    content = tables(network)
    files, counts = {}, {}
    digest = hashlib.sha256()
    for name, rows in content.items():
        if name == "feed_info.txt" or (name in OPTIONAL_FILES and not rows):
            continue
        files[name] = _csv(COLUMNS[name], rows)
        counts[name] = len(rows)
        digest.update(name.encode() + b"\0" + files[name])
    contact_email = settings.GTFS_CONTACT_EMAIL
    agency_url = settings.GTFS_AGENCY_URL or f"{settings.SITE_URL}/"
    files["feed_info.txt"] = _csv(
        COLUMNS["feed_info.txt"],
        [[settings.GTFS_AGENCY_NAME, agency_url, "fr", network.first_day.strftime("%Y%m%d"),
          network.last_day.strftime("%Y%m%d"), digest.hexdigest()[:16], contact_email,
          "" if contact_email else agency_url]],
    )  # fmt: skip
    counts["feed_info.txt"] = 1
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            bundle.writestr(info, data)
    return archive.getvalue(), counts
