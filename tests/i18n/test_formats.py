"""Money, dates and times per language, in Africa/Tunis; the board by day and its kiosk."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import translation

from louage.core import times
from louage.core.templatetags.money import dt
from louage.stations.cities import city_label
from louage.trips.models import Trip


@pytest.mark.parametrize(
    ("language", "small", "large", "negative"),
    [
        ("fr", "12,500 DT", "1\u202f234,050 DT", "-0,750 DT"),
        ("ar", "12.500 د.ت", "1\u202f234.050 د.ت", "-0.750 د.ت"),
        ("en", "TND 12.500", "TND 1,234.050", "TND -0.750"),
    ],
)
def test_money_reads_the_way_each_language_writes_it(language, small, large, negative):
    with translation.override(language):
        assert dt(12_500) == small
        assert dt(1_234_050) == large
        assert dt(-750) == negative
        assert dt("not a number") == ""


def test_an_explicit_language_wins_over_the_active_one():
    with translation.override("fr"):
        assert dt(12_500, "ar") == "12.500 د.ت"


def test_a_late_departure_reads_on_its_tunis_day_with_day_and_month_names_per_language():
    # 23:30 UTC on 26 November is 00:30 on Friday 27 November in Tunis.
    moment = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)
    with translation.override("fr"):
        assert times.format_local(moment, "long") == "vendredi 27 novembre 2026, 00:30"
        assert times.format_local(moment, "day_time") == "ven 27/11 00:30"
    with translation.override("ar"):
        # Tunisian month names (نوفمبر in Tunisia as in French), full weekday names.
        assert times.format_local(moment, "long") == "الجمعة 27 نوفمبر 2026، 00:30"
        assert times.format_local(moment, "day_time") == "الجمعة 27/11 00:30"
        assert times.format_local(datetime(2026, 1, 15, 12, tzinfo=UTC), "long_date") == (
            "الخميس 15 جانفي 2026"
        )
    with translation.override("en"):
        assert times.format_local(moment, "long") == "Friday 27 November 2026, 00:30"
        assert times.format_local(moment, "day") == "Fri 27/11"


def test_durations_read_in_each_language():
    with translation.override("ar"):
        assert times.format_duration(95) == "1 س 35 د"
        assert times.format_duration(40) == "40 دقيقة"
    with translation.override("en"):
        assert times.format_duration(95) == "1 h 35"


def test_city_names_follow_the_language():
    with translation.override("ar"):
        assert city_label("Sousse") == "سوسة" and city_label("Gabès") == "قابس"
        assert city_label("Atlantis") == "Atlantis"
    with translation.override("fr"):
        assert city_label("Sousse") == "Sousse"


@pytest.mark.django_db
def test_the_board_groups_departures_under_their_day(web, trip, midday):
    tomorrow = Trip.objects.create(
        origin=trip.origin,
        destination=trip.destination,
        vehicle=trip.vehicle,
        departure=trip.departure + timedelta(days=1),
        price=trip.price,
        seats_total=trip.seats_total,
        seats_available=trip.seats_total,
    )
    html = web.get(f"/stations/{trip.origin_id}/tableau/").content.decode()
    first = times.local_date(trip.departure)
    second = times.local_date(tomorrow.departure)
    assert html.count('class="board-date"') == 2
    assert html.index(f'data-day="{first.isoformat()}"') < html.index(f'data-trip="{trip.pk}"')
    assert html.index(f'data-trip="{trip.pk}"') < html.index(f'data-day="{second.isoformat()}"')
    assert html.index(f'data-day="{second.isoformat()}"') < html.index(f'data-trip="{tomorrow.pk}"')
    assert times.format_local(second, "long_date") in html


@pytest.mark.django_db
def test_the_kiosk_board_has_no_navigation_large_type_a_clock_and_refreshes_itself(web, trip):
    normal = web.get(f"/stations/{trip.origin_id}/tableau/").content.decode()
    assert 'class="topbar"' in normal and "?kiosk=1" in normal
    kiosk = web.get(f"/stations/{trip.origin_id}/tableau/?kiosk=1").content.decode()
    assert 'class="topbar"' not in kiosk and "<footer" not in kiosk
    assert 'class="kiosk"' in kiosk and "data-kiosk-clock" in kiosk
    assert "js/kiosk.js" in kiosk and 'hx-trigger="every 10s"' in kiosk
    assert f'data-trip="{trip.pk}"' in kiosk


@pytest.mark.django_db
def test_an_arabic_board_names_the_destination_in_arabic(web, trip, settings):
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    html = web.get(f"/stations/{trip.origin_id}/tableau/?kiosk=1").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "سوسة" in html and "12.000 د.ت" in html


def test_a_plain_date_formats_without_a_time_zone():
    with translation.override("ar"):
        assert times.format_local(date(2026, 8, 1), "long_date") == "السبت 1 أوت 2026"
