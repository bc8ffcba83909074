"""The per-request stack keeps its gains (docs/benchmarks.md, "Per-request stack") without
losing a header or a behaviour: what a probe, an API call and a page cost."""

import re
from datetime import datetime, time, timedelta

import pytest
from csp.constants import NONCE
from csp.decorators import csp_update
from csp.utils import build_policy
from django.contrib import messages
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from louage.core.lean_middleware import CSPMiddleware, LazyMessageMiddleware
from louage.core.times import TUNIS, local_today
from tests.network_factories import TripFactory

pytestmark = pytest.mark.django_db


def test_healthz_runs_no_query_and_keeps_every_security_header(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response["Content-Security-Policy"] == build_policy()
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies  # no session, no messages, no CSRF cookie for a probe


def _search(client, trip, by="city", results=1):
    if by == "city":
        params = {"origin": trip.origin.city, "destination": trip.destination.city}
    else:
        params = {"origin": trip.origin_id, "destination": trip.destination_id}
    params["date"] = trip.departure.astimezone(TUNIS).date().isoformat()
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/trips", params)
    assert response.status_code == 200 and response.json()["count"] == results
    return [query["sql"] for query in captured.captured_queries]


def test_an_api_search_costs_one_query_and_never_reads_a_browser_session(
    client, client_user, settings
):
    settings.SEARCH_CACHE_SECONDS = 0  # every call reaches the database
    trip = TripFactory()
    # The worker's first search reads the stations and route durations (trips.network)...
    first = _search(Client(), trip)
    assert len(first) == 3, first
    # ...then only the departures (one page: no count query), by city or by station id.
    anonymous = _search(Client(), trip)
    assert len(anonymous) == 1 and '"trips_trip"' in anonymous[0], anonymous
    assert len(_search(Client(), trip, by="id")) == 1
    client.force_login(client_user)  # a signed-in browser calling the API
    signed_in = _search(client, trip)
    assert len(signed_in) == len(anonymous)
    assert not any("django_session" in sql for sql in signed_in)


def test_an_uncached_search_costs_one_query_whatever_the_number_of_results(client, settings):
    settings.SEARCH_CACHE_SECONDS = 0
    noon = datetime.combine(local_today() + timedelta(days=1), time(12), TUNIS)
    trip = TripFactory(departure=noon)
    _search(client, trip)
    for n in range(12):
        TripFactory(origin=trip.origin, destination=trip.destination,
                    departure=trip.departure + timedelta(minutes=n + 1))  # fmt: skip
    queries = _search(client, trip, by="id", results=13)
    assert len(queries) == 1, queries
    # Only what the answer shows: no join to the stations, no subquery of the durations.
    assert "stations_station" not in queries[0] and "trips_routeduration" not in queries[0]
    assert '"trips_trip"."created_at"' not in queries[0]


def test_an_api_call_still_speaks_the_language_it_is_asked_for(client, settings):
    settings.SEARCH_CACHE_SECONDS = 0
    asked = client.get("/api/v1/trips/99999999", headers={"Accept-Language": "en"})
    assert asked["Content-Language"] == "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    assert client.get("/api/v1/trips/99999999")["Content-Language"] == "ar"


def test_the_policy_built_once_follows_the_settings_and_views_can_still_change_it(rf, settings):
    page = CSPMiddleware(lambda request: HttpResponse("page"))
    assert page(rf.get("/"))["Content-Security-Policy"] == build_policy()
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert page(rf.get("/"))["Content-Security-Policy"] == "default-src 'none'"

    @csp_update({"img-src": ["https://tiles.example.tn"]})
    def with_tiles(request):
        return HttpResponse("map")

    updated = CSPMiddleware(with_tiles)(rf.get("/carte/"))["Content-Security-Policy"]
    assert updated == "default-src 'none'; img-src https://tiles.example.tn"

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": ["'self'", NONCE]}}

    def with_nonce(request):
        return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")

    request = rf.get("/")
    middleware = CSPMiddleware(with_nonce)
    middleware.process_request(request)
    response = middleware(request)
    nonce = re.search(r"nonce='([^']+)'", response.content.decode()).group(1)
    assert f"script-src 'self' 'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_the_messages_storage_is_made_only_for_a_request_that_uses_it(rf):
    untouched = rf.get("/api/v1/trips")
    middleware = LazyMessageMiddleware(lambda request: HttpResponse("ok"))
    response = middleware(untouched)
    assert untouched._messages._wrapped is not None  # still the lazy placeholder
    assert not response.cookies

    def says_saved(request):
        messages.success(request, "Enregistré.")
        return HttpResponse("ok")

    used = rf.get("/compte/")
    used.session = {}
    response = LazyMessageMiddleware(says_saved)(used)
    assert [str(m) for m in used._messages._wrapped._queued_messages] == ["Enregistré."]
    assert "messages" in response.cookies  # saved for the next page, as before
