"""Visit counting: which requests count, one visitor once a day, nothing identifying stored,
counts that survive flushes; all in this process (the live servers are test_tracking_live)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import DatabaseError, connection

from louage.reporting import services
from louage.reporting.models import DailyPageViews, DailyVisitors, VisitorDigest, VisitSalt
from tests.network_factories import TripFactory

from .conftest import BROWSER

pytestmark = pytest.mark.django_db
TUNIS = ZoneInfo("Africa/Tunis")


def views(page=None):
    rows = DailyPageViews.objects.all()
    if page:
        rows = rows.filter(page=page)
    return sum(rows.values_list("views", flat=True))


def visitors():
    return sum(DailyVisitors.objects.values_list("visitors", flat=True))


def test_html_pages_are_counted_by_url_name_not_path(web, fresh_visits, trip, other_station):
    other_trip = TripFactory(origin=trip.origin, destination=other_station)
    for path in ["/", f"/departs/{trip.pk}/", f"/departs/{other_trip.pk}/", "/stations/"]:
        assert web.get(path, headers={"User-Agent": BROWSER}).status_code == 200
    assert fresh_visits.flush() is True
    assert views("trips:detail") == 2
    assert views("home") == 1
    assert views("stations:list") == 1
    assert visitors() == 1


def test_api_static_health_bots_fragments_errors_and_posts_are_not_counted(web, fresh_visits, trip):
    web.get("/api/v1/stations", headers={"User-Agent": BROWSER})
    web.get("/static/css/louage.css", headers={"User-Agent": BROWSER})
    web.get("/healthz", headers={"User-Agent": BROWSER})
    web.get("/readyz", headers={"User-Agent": BROWSER})
    web.get("/departs/999999/", headers={"User-Agent": BROWSER})  # 404
    web.get("/gestion/departs/", headers={"User-Agent": BROWSER})  # redirect to log in
    web.get("/departs/", headers={"User-Agent": BROWSER, "HX-Request": "true"})
    web.get("/", headers={"User-Agent": BROWSER, "Sec-Purpose": "prefetch"})
    web.post("/i18n/setlang/", {"language": "fr"}, headers={"User-Agent": BROWSER})
    for robot in [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "facebookexternalhit/1.1",
        "curl/8.5.0",
        "python-requests/2.32",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0",
        "",
    ]:
        web.get(f"/departs/{trip.pk}/", headers={"User-Agent": robot})
    assert fresh_visits.flush() is False
    assert not DailyPageViews.objects.exists()
    assert not DailyVisitors.objects.exists()


def test_a_visitor_counts_once_a_day_however_many_pages_and_flushes(web, fresh_visits):
    for _ in range(3):
        web.get("/", headers={"User-Agent": BROWSER})
        fresh_visits.flush()
    web.get("/stations/", headers={"User-Agent": BROWSER})
    fresh_visits.flush()
    assert views() == 4
    assert visitors() == 1
    assert VisitorDigest.objects.count() == 1


def test_another_address_or_browser_is_another_visitor(web, fresh_visits, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    web.get("/", headers={"User-Agent": BROWSER, "X-Forwarded-For": "198.51.100.7"})
    web.get("/", headers={"User-Agent": BROWSER, "X-Forwarded-For": "198.51.100.8"})
    web.get("/", headers={"User-Agent": BROWSER + " Edg/130", "X-Forwarded-For": "198.51.100.7"})
    web.get("/", headers={"User-Agent": BROWSER, "X-Forwarded-For": "198.51.100.7"})
    fresh_visits.flush()
    assert (views(), visitors()) == (4, 3)


def test_no_address_user_agent_or_unsalted_hash_reaches_the_database(web, fresh_visits, settings):
    import hashlib

    settings.TRUSTED_PROXY_COUNT = 1
    address = "203.0.113.77"
    web.get("/", headers={"User-Agent": BROWSER, "X-Forwarded-For": address})
    fresh_visits.flush()
    plain_hashes = [
        hashlib.sha256(text.encode()).hexdigest()[:32]
        for text in (address, f"{address}\n{BROWSER}", f"{address}{BROWSER}")
    ]
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the schema
            dump.append(repr(cursor.fetchall()))
    dump = "\n".join(dump)
    assert visitors() == 1
    assert address not in dump
    assert "Firefox/130.0" not in dump
    assert not any(h in dump for h in plain_hashes)


def test_a_new_day_brings_a_new_salt_and_forgets_the_old_one(web, fresh_visits, monkeypatch):
    day1 = datetime(2026, 3, 10, 22, 0, tzinfo=TUNIS)
    monkeypatch.setattr("louage.core.clock.now", lambda: day1)
    web.get("/", headers={"User-Agent": BROWSER})
    fresh_visits.flush()
    first_salt = VisitSalt.objects.get().salt
    first_digest = VisitorDigest.objects.get().digest

    # Just after midnight the previous day stays open a few minutes for late flushes.
    monkeypatch.setattr("louage.core.clock.now", lambda: day1 + timedelta(hours=2, minutes=2))
    web.get("/", headers={"User-Agent": BROWSER})
    fresh_visits.flush()
    assert VisitSalt.objects.count() == 2

    monkeypatch.setattr("louage.core.clock.now", lambda: day1 + timedelta(hours=2, minutes=10))
    web.get("/", headers={"User-Agent": BROWSER})
    fresh_visits.flush()
    salt = VisitSalt.objects.get()
    assert salt.salt != first_salt
    assert salt.day == day1.date() + timedelta(days=1)
    assert not VisitorDigest.objects.filter(digest=first_digest).exists()
    # The same person is one visitor on each day; the closed day keeps its count.
    assert list(DailyVisitors.objects.order_by("day").values_list("visitors", flat=True)) == [1, 1]
    assert views() == 3


def test_late_counts_of_a_closed_day_keep_page_views_but_cannot_add_visitors(db):
    closed = datetime(2026, 3, 10, 12, tzinfo=TUNIS)
    services.record_visits(
        views={(closed.date(), "home"): 2},
        visitors={(closed.date(), "192.0.2.1", BROWSER)},
    )
    assert visitors() == 0  # its salt was never made (nor would it still exist)
    assert views("home") == 2


def test_a_failed_flush_keeps_the_counts_for_the_next_one(web, fresh_visits, monkeypatch):
    web.get("/", headers={"User-Agent": BROWSER})

    def broken(**kwargs):
        raise DatabaseError("database is locked")

    working = services.record_visits
    monkeypatch.setattr(services, "record_visits", broken)
    assert fresh_visits.flush() is False
    assert len(fresh_visits.buffer) == 1
    monkeypatch.setattr(services, "record_visits", working)
    assert fresh_visits.flush() is True
    assert views("home") == 1


def test_counting_a_page_makes_no_query(web, fresh_visits, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = web.get("/", headers={"User-Agent": BROWSER})
    assert response.status_code == 200
    assert len(fresh_visits.buffer) == 1
