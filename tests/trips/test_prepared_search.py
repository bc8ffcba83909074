"""A search's query is compiled once per shape and then only bound (trips.selectors): its
answers are the ORM's, page by page, for every kind of place, and a search of a shape seen
before compiles no SQL."""

import pytest
from django.db.models.sql import compiler

from louage.trips import selectors
from louage.trips.models import TripStatus
from tests.network_factories import StationFactory
from tests.trips import test_search as base
from tests.trips.test_search import make

pytestmark = pytest.mark.django_db

network = base.network
frozen_noon = base.frozen_noon


@pytest.fixture
def departures(network, frozen_noon):
    StationFactory(name="Tunis Bab Saadoun", city="Tunis")  # two stations in Tunis
    made = [make(network, frozen_noon, hours, destination=destination, seats_available=seats)
            for hours, destination, seats in ((1, "sousse", 8), (2, "sfax", 1), (3, "sousse", 3),
                                              (4, "sousse", 0), (5, "sfax", 8), (6, "sousse", 2),
                                              (-1, "sousse", 8), (30, "sousse", 8))]  # fmt: skip
    make(network, frozen_noon, 7, status=TripStatus.CANCELLED)
    return made


def described(trips):
    return [(t.pk, t.origin.name, t.destination.name, t.vehicle.plate, t.departure, t.price,
             t.seats_available, t.route_minutes) for t in trips]  # fmt: skip


SEARCHES = [
    {},
    {"origin": "Tunis"},
    {"origin": "Tunis", "destination": "Sousse"},
    {"destination": "sfax", "seats": 2},
    {"origin": "tunis", "destination": "Sfax Bab Jebli"},
    {"origin": "Tunis", "seats": 3},
    {"origin": "Nulle Part"},
]


@pytest.mark.parametrize("criteria", SEARCHES, ids=[str(c) for c in SEARCHES])
def test_the_prepared_answers_are_the_orms_page_by_page(departures, network, criteria):
    found = selectors.search_trips(**criteria)
    orm = found.all()  # any change to the query drops the prepared answer: the ORM answers
    assert orm._answer is None
    assert described(found) == described(orm)
    for low, high in ((0, 2), (2, 4), (0, 20), (1, 3)):
        assert described(selectors.search_trips(**criteria)[low:high]) == described(orm[low:high])
    assert found.count() == orm.count()


def test_a_search_of_a_shape_seen_before_compiles_no_sql(departures, network, monkeypatch):
    selectors._PREPARED_SEARCHES.clear()
    list(selectors.search_trips(origin=network["tunis"].pk, destination="sousse")[0:20])
    compiled = []
    as_sql = compiler.SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self.query.model)
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(compiler.SQLCompiler, "as_sql", counting)
    built = []
    search_query = selectors._search_query
    monkeypatch.setattr(selectors, "_search_query", lambda *a: built.append(a) or search_query(*a))
    again = list(selectors.search_trips(origin=network["tunis"].pk, destination="sfax")[0:20])
    assert compiled == [] and built == []  # the ORM query was neither built nor compiled
    assert [t.destination.name for t in again] == ["Sfax Bab Jebli", "Sfax Bab Jebli"]
    # Filtering the answer goes through the ORM (and compiles).
    assert list(selectors.search_trips(origin="Tunis").filter(price__lt=0)) == []
    assert compiled and built


def test_the_search_api_serves_the_same_answers(api, departures, network):
    body = api().get("trips", {"origin": "Tunis", "destination": "Sousse", "page_size": 2}).json()
    assert body["count"] == 3 and len(body["items"]) == 2 and body["next"]
    assert "page=2" in body["next"]
    second = (
        api()
        .get("trips", {"origin": "Tunis", "destination": "Sousse", "page_size": 2, "page": 2})
        .json()
    )
    orm = selectors.search_trips(origin="Tunis", destination="Sousse").all()
    assert [t["id"] for t in body["items"] + second["items"]] == [t.pk for t in orm]
