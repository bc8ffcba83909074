"""With a month of departures (the demo network: over a thousand from Tunis alone), no page
builds a picker — a drop-down, or a group of checkboxes or radio buttons — of more than 100
options, for any role."""

from collections import Counter
from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

from louage.accounts.models import User
from louage.booking.models import Reservation
from louage.core.demo import seed
from louage.stations.models import Station
from louage.trips.models import Trip

pytestmark = pytest.mark.django_db

MAX_OPTIONS = 100
SKIPPED_PREFIXES = ("api/", "django-admin/", "i18n/", "media/", "accounts/", "paiement/")


class PickerCounter(HTMLParser):
    def __init__(self):
        super().__init__()
        self.selects = []  # option counts, one per <select>
        self.groups = Counter()  # (form index, input name) → checkboxes / radios
        self.forms = 0
        self.in_select = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms += 1
        elif tag == "select":
            self.in_select = True
            self.selects.append(0)
        elif tag == "option" and self.in_select:
            self.selects[-1] += 1
        elif tag == "input" and attrs.get("type") in ("checkbox", "radio"):
            self.groups[(self.forms, attrs.get("name"))] += 1

    def handle_endtag(self, tag):
        if tag == "select":
            self.in_select = False


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def _pages(ids):
    """Every page of the site with its ids filled in (regex routes and the API left out)."""
    for route in _routes(get_resolver().url_patterns):
        if route.startswith(SKIPPED_PREFIXES) or route.startswith("^") or "(?P" in route:
            continue
        path = "/" + route
        for name, value in ids.items():
            path = path.replace(f"<int:{name}>", str(value))
        if "<" not in path:
            yield path


@pytest.fixture(scope="module")
def network(django_db_setup, django_db_blocker):
    # One transaction around the whole module, rolled back at its end: the demo network goes
    # away with everything that refers to it, whatever apps add to the demo.
    with django_db_blocker.unblock(), transaction.atomic():
        seed()
        yield
        transaction.set_rollback(True)


def test_no_page_offers_more_than_100_options_with_a_month_of_departures(network, client):
    tunis = Station.objects.get(city="Tunis")
    assert Trip.objects.filter(origin=tunis).count() > 1000
    reservation = Reservation.objects.filter(client__isnull=False, trip__origin=tunis).first()
    ids = {
        "trip_id": Trip.objects.filter(origin=tunis, status="scheduled").first().pk,
        "station_id": tunis.pk,
        "reservation_id": reservation.pk,
        "vehicle_id": tunis.vehicles.first().pk,
        "user_id": reservation.client_id,
        "notification_id": 1,
        "payment_id": 1,
    }
    pages = sorted(set(_pages(ids))) + [
        "/accounts/login/",
        "/accounts/signup/",
        f"/gestion/departs/programmer/?origin_id={tunis.pk}",
        "/departs/?origin=Tunis&destination=Sousse",
    ]
    checked = 0
    for email in (None, reservation.client.email, "chef.tunis@louage.tn", "admin@louage.tn"):
        client.logout()
        if email:
            client.force_login(User.objects.get(email=email))
        for path in pages:
            response = client.get(path)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            counter = PickerCounter()
            counter.feed(response.content.decode())
            checked += 1
            biggest = max([*counter.selects, *counter.groups.values(), 0])
            assert biggest <= MAX_OPTIONS, f"{path} as {email or 'visitor'}: {biggest} options"
    assert checked > 40  # the pages were really rendered, for every role
