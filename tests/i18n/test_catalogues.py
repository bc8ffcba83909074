"""The Arabic and English catalogues are complete, and the main pages rendered in Arabic or
English show no French source string."""

import gettext
from datetime import timedelta

import pytest
from django.core.management import call_command

from louage.accounts.models import User
from louage.booking.models import Reservation, ReservationStatus
from louage.core import clock
from louage.core.times import local_date
from louage.queues.models import Queue
from louage.stations.models import Station
from louage.trips.models import Trip, TripKind, TripStatus
from tests.i18n.catalogue import LOCALE, FrenchDetector, messages, placeholders, text_nodes

PLURAL_FORMS = {"ar": 6, "en": 2}


@pytest.mark.parametrize("language", ["ar", "en"])
def test_every_catalogue_entry_is_translated_and_none_is_fuzzy(language):
    entries = messages(language)
    assert len(entries) > 900
    problems = []
    for entry in entries:
        where = f"line {entry.line}: {entry.msgid[:60]!r}"
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy, {where}")
        if entry.msgid_plural and len(entry.texts) != PLURAL_FORMS[language]:
            problems.append(f"{len(entry.texts)} plural forms, {where}")
        if not all(text.strip() for text in entry.texts):
            problems.append(f"untranslated, {where}")
        allowed = set(placeholders(entry.msgid)) | set(placeholders(entry.msgid_plural))
        for text in entry.texts:
            if set(placeholders(text)) - allowed:
                problems.append(f"unknown placeholder, {where}")
    assert problems == []


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_compiled_catalogue_matches_its_source(language):
    compiled = gettext.GNUTranslations((LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb"))
    stale = []
    for entry in messages(language):
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural:
            got = [compiled.ngettext(key, entry.msgid_plural, n) for n in (1, 2)]
            ok = all(text in entry.texts for text in got)
        else:
            ok = compiled.gettext(key) == entry.texts[0]
        if not ok:
            stale.append(entry.msgid[:60])
    assert stale == [], "run `make messages` (compilemessages)"


def test_the_arabic_catalogue_declares_six_plural_forms():
    header = (LOCALE / "ar" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert "nplurals=6;" in header
    translations = gettext.GNUTranslations((LOCALE / "ar" / "LC_MESSAGES" / "django.mo").open("rb"))
    forms = {
        n: translations.ngettext("%(counter)s place", "%(counter)s places", n) % {"counter": n}
        for n in (0, 1, 2, 5, 11, 100)
    }
    assert forms == {
        0: "لا مقاعد",
        1: "مقعد واحد",
        2: "مقعدان",
        5: "5 مقاعد",
        11: "11 مقعدًا",
        100: "100 مقعد",
    }


def test_a_page_with_a_french_source_string_is_caught():
    # The detector itself: an untranslated label and an untranslated sentence with a value.
    detector = FrenchDetector("ar")
    html = (
        '<html lang="ar"><body><h1>Places libres</h1><p>Vos places sont gardées 10 minutes, '
        'le temps de payer en ligne ou au guichet.</p><p lang="fr">Français</p></body></html>'
    )
    found = detector.find(text_nodes(html, "ar"))
    assert len(found) == 2, found
    assert (
        detector.find(text_nodes('<p>المقاعد الشاغرة</p><p lang="fr">Places libres</p>', "ar"))
        == []
    )


@pytest.fixture
def demo(db, settings):
    """The demo network (stations with Arabic names, departures, queues, reservations), with a
    pending and a confirmed reservation of client1 on an upcoming departure."""
    settings.BOOKING_REQUIRES_VERIFIED = False
    call_command("seed_demo", "--force", verbosity=0)
    from louage.booking import services

    client = User.objects.get(email="client1@louage.tn")
    trip = (
        Trip.objects.filter(
            kind=TripKind.SCHEDULED,
            status=TripStatus.SCHEDULED,
            seats_available__gte=3,
            departure__gte=clock.now() + timedelta(days=1),
        )
        .exclude(origin__chief=None)
        .order_by("departure")
        .first()
    )
    Reservation.objects.filter(client=client, status=ReservationStatus.PENDING).update(
        status=ReservationStatus.EXPIRED
    )
    pending = services.reserve_seats(trip=trip, client=client, seats=1)
    confirmed = services.reserve_seats(trip=trip, client=client, seats=2)
    services.record_cash_payment(reservation=confirmed, by=trip.origin.chief)
    return {
        "trip": trip,
        "client": client,
        "chief": trip.origin.chief,
        "admin": User.objects.get(email="admin@louage.tn"),
        "pending": pending,
        "confirmed": confirmed,
        "station": trip.origin,
        "queue": Queue.objects.first(),
    }


def main_pages(demo):
    trip, station = demo["trip"], demo["station"]
    day = local_date(trip.departure)
    search = f"/departs/?origin={trip.origin.city}&destination={trip.destination.city}&date={day}"
    visitor = [
        "/",
        search,
        f"/departs/{trip.pk}/",
        "/stations/",
        f"/stations/{station.pk}/",
        f"/stations/{station.pk}/tableau/",
        f"/stations/{station.pk}/tableau/?kiosk=1",
        "/tarifs/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/page-qui-n-existe-pas/",
    ]
    if demo["queue"] is not None:
        visitor.append(f"/prochain-louage/{demo['queue'].pk}/")
    client = [
        "/reservations/",
        f"/reservations/{demo['pending'].pk}/",
        f"/reservations/{demo['confirmed'].pk}/",
        f"/reservations/{demo['confirmed'].pk}/billet/",
        "/compte/",
        "/compte/modifier/",
        "/compte/email/",
        "/compte/telephone/",
        "/compte/supprimer/",
        "/notifications/",
        search,
    ]
    chief = [
        "/guichet/",
        "/guichet/aujourdhui/",
        "/guichet/reservations/",
        "/guichet/vente/",
        "/guichet/embarquement/",
        "/guichet/avis/",
        "/guichet/caisse/",
        "/gestion/departs/",
        "/gestion/departs/programmer/",
        "/gestion/vehicules/",
        "/gestion/vehicules/ajouter/",
        "/gestion/rapports/",
        f"/departs/{trip.pk}/",
    ]
    admin = [
        "/gestion/utilisateurs/",
        "/gestion/utilisateurs/ajouter/",
        "/gestion/rapports/",
        "/gestion/durees/",
        "/gestion/departs/",
        "/tarifs/",
        "/stations/ajouter/",
        f"/stations/{station.pk}/modifier/",
        "/guichet/",
        "/guichet/caisse/",
    ]
    return [
        (None, visitor),
        (demo["client"], client),
        (demo["chief"], chief),
        (demo["admin"], admin),
    ]


@pytest.mark.parametrize("language", ["ar", "en"])
def test_main_pages_in_arabic_and_english_show_no_french_source_string(
    language, demo, client, settings
):
    detector = FrenchDetector(language)
    leftovers, checked = {}, 0
    for user, urls in main_pages(demo):
        client.logout()
        if user is not None:
            client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 404), (url, response.status_code)
            html = response.content.decode()
            assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}"' in html
            assert "<title>" in html and "<title> ·" not in html, url  # every page has a title
            found = detector.find(text_nodes(html, language))
            if found:
                leftovers[f"{user or 'visitor'} {url}"] = found
            checked += 1
    assert checked > 40
    assert leftovers == {}


def test_station_and_city_names_read_in_arabic_on_arabic_pages(demo, client, settings):
    station = Station.objects.exclude(name_ar="").first()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    html = client.get(f"/stations/{station.pk}/").content.decode()
    assert station.name_ar in html.split("<title>")[1].split("</title>")[0]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = client.get(f"/stations/{station.pk}/").content.decode()
    assert station.name in html.split("<title>")[1].split("</title>")[0]
