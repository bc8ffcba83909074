"""The audit log: who, what, when, before and after, from which address; readable by admins
(everything) and chiefs (their station), never changed by the app; one entry per action."""

from datetime import timedelta

import pytest
from django.contrib.admin.sites import site
from django.db.models import Count
from django.test import RequestFactory
from django.utils import timezone

from louage.core.models import AuditEntry
from tests.factories import AdminFactory, ChiefFactory, ClientFactory
from tests.network_factories import TripFactory, VehicleFactory

pytestmark = pytest.mark.django_db


def entries_of(user, action):
    return AuditEntry.objects.filter(actor=user, action=action)


def test_an_api_change_records_before_after_address_and_request_id(api, station):
    admin = AdminFactory()
    response = api(admin).patch(
        f"stations/{station.pk}", {"phone": "71 000 111"}, headers={"X-Forwarded-For": "x"}
    )
    assert response.status_code == 200, response.content
    [entry] = entries_of(admin, "station.updated")
    assert entry.after == {"phone": "+21671000111"}
    assert entry.before["phone"] != "+21671000111"
    assert entry.ip == "127.0.0.1"
    assert entry.request_id == response["X-Request-ID"]


def test_admins_read_everything_and_filter_it(api, station, other_station):
    admin = AdminFactory()
    api(admin).patch(f"stations/{station.pk}", {"phone": "71 000 111"})
    api(admin).patch(f"stations/{other_station.pk}", {"phone": "73 000 111"})
    everything = api(admin).get("audit").json()
    assert everything["count"] >= 2
    one_station = api(admin).get("audit", {"station_id": station.pk}).json()
    assert {item["station_id"] for item in one_station["items"]} == {station.pk}
    family = api(admin).get("audit", {"action": "station."}).json()
    assert family["count"] == 2
    assert all(item["action"].startswith("station.") for item in family["items"])
    mine = api(admin).get("audit", {"actor_id": admin.pk}).json()
    assert mine["count"] == 2 and mine["items"][0]["actor"] == admin.email
    today = timezone.localdate()
    past = api(admin).get("audit", {"to": str(today - timedelta(days=1))}).json()
    assert past["count"] == 0


def test_a_chief_reads_its_station_only(api, station, other_station):
    chief = station.chief
    VehicleFactory(station=other_station, plate="11 TU 111")
    api(chief).post(
        "vehicles", {"plate": "222 TU 2222", "owner_name": "Hédi", "owner_phone": "98 000 111"}
    )
    api(AdminFactory()).patch(f"stations/{other_station.pk}", {"phone": "73 000 111"})
    seen = api(chief).get("audit").json()
    assert seen["count"] >= 1
    assert {item["station_id"] for item in seen["items"]} == {station.pk}
    refused = api(chief).get("audit", {"station_id": other_station.pk})
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "user_kind, status", [("anonymous", 401), ("client", 403), ("chief without station", 403)]
)
def test_others_read_nothing(api, user_kind, status):
    user = {"anonymous": None, "client": ClientFactory(), "chief without station": ChiefFactory()}
    assert api(user[user_kind]).get("audit").status_code == status


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-02-30"},
        {"from": "2026-12-01", "to": "2026-11-01"},
        {"from": "2020-01-01", "to": "2026-01-01"},
        {"action": "DROP TABLE"},
        {"station_id": "abc"},
    ],
)
def test_bad_filters_are_a_422(api, query):
    response = api(AdminFactory()).get("audit", query)
    assert response.status_code == 422, response.content


def test_the_period_is_366_days_at_most_both_included(api):
    admin = api(AdminFactory())
    assert admin.get("audit", {"from": "2025-01-01", "to": "2026-01-01"}).status_code == 200
    longer = admin.get("audit", {"from": "2024-12-31", "to": "2026-01-01"})
    assert longer.status_code == 422
    assert longer.json()["code"] == "period_too_long"
    reversed_ = admin.get("audit", {"from": "2026-01-02", "to": "2026-01-01"})
    assert reversed_.json()["code"] == "invalid_period"


def test_the_journal_page_shows_the_changes(web, station, other_station):
    admin = AdminFactory()
    web.force_login(admin)
    web.post(
        f"/stations/{station.pk}/modifier/",
        {"name": station.name, "city": station.city, "phone": "71 000 222",
         "address": station.address, "latitude": station.latitude, "longitude": station.longitude,
         "chief_id": station.chief_id},
    )  # fmt: skip
    page = web.get("/gestion/journal/", {"action": "station."}).content.decode()
    assert "Station modifiée" in page and "+21671000222" in page
    assert "<code>station.updated</code>" not in page  # a sentence, not the code
    chief = station.chief
    web.force_login(chief)
    mine = web.get("/gestion/journal/")
    assert mine.status_code == 200
    assert all(e.station_id == station.pk for e in mine.context["page"])
    web.force_login(ChiefFactory())  # runs no station
    assert web.get("/gestion/journal/").status_code == 403


def test_entries_are_never_changed_nor_deleted_by_the_app(station):
    entry = AuditEntry.objects.create(action="x.y", object_type="t", object_id="1")
    entry.action = "forged"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
    model_admin = site._registry[AuditEntry]
    request = RequestFactory().get("/")
    request.user = AdminFactory(is_staff=True, is_superuser=True)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    assert not model_admin.has_add_permission(request)


def test_every_chief_and_admin_action_leaves_exactly_one_entry(api, station, other_station):
    """The journeys' actions, one by one: each leaves one entry of its own action, by its
    author, and none leaves two."""
    chief, admin = station.chief, AdminFactory()
    vehicle = VehicleFactory(station=station, plate="300 TU 3000")
    trip = TripFactory(origin=station, destination=other_station, vehicle=vehicle)
    client = ClientFactory()
    departure = (timezone.now() + timedelta(days=2)).isoformat()
    actions = [
        (admin, "post", "stations", {"name": "Bizerte Nord", "city": "Bizerte",
                                     "phone": "72 000 000", "latitude": 37.27,
                                     "longitude": 9.87}, "station.created"),
        (admin, "patch", f"stations/{other_station.pk}", {"phone": "73 111 222"}, "station.updated"),
        (admin, "post", "users", {"email": "nouveau@example.tn", "password": "s0us-le-jasmin!",
                                  "first_name": "N", "last_name": "V", "role": "chief"},
         "user.created"),
        (admin, "patch", f"users/{client.pk}", {"role": "chief"}, "user.role_changed"),
        (admin, "put", "fares", [{"origin_city": "Tunis", "destination_city": "Sousse",
                                  "price": 15000}], "fare.set"),
        (chief, "post", "vehicles", {"plate": "301 TU 3010", "owner_name": "Ali",
                                     "owner_phone": "98 000 222"}, "vehicle.created"),
        (chief, "patch", f"vehicles/{vehicle.pk}", {"owner_name": "Ali Ben Ali"},
         "vehicle.updated"),
        (chief, "post", "trips", {"destination_id": other_station.pk, "vehicle_id": vehicle.pk,
                                  "departure": departure, "price": 12000}, "trip.planned"),
        (chief, "patch", f"trips/{trip.pk}", {"price": 11500}, "trip.updated"),
        (chief, "post", "reservations/desk", {"trip_id": trip.pk, "seats": 2,
                                              "passenger_name": "Walk In",
                                              "passenger_phone": "98 111 222"},
         "reservation.desk_sale"),
        (chief, "post", f"trips/{trip.pk}/cancel", None, "trip.cancelled"),
    ]  # fmt: skip
    for user, method, path, payload, action in actions:
        before = entries_of(user, action).count()
        response = getattr(api(user), method)(path, payload)
        assert response.status_code in (200, 201), (action, response.content)
        assert entries_of(user, action).count() == before + 1, action
    repeated = (
        AuditEntry.objects.filter(actor__in=[chief, admin])
        .values("action", "object_type", "object_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert list(repeated) == []


def test_every_action_the_code_records_has_a_sentence():
    import pathlib
    import re

    from louage.auditlog.labels import ACTIONS

    root = pathlib.Path(__file__).resolve().parents[2] / "louage"
    written = set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        written |= set(re.findall(r'action="([a-z_]+\.[a-z_.]+)"', text))
        written |= set(re.findall(r'"(reservation\.(?:walk_in|desk_sale))"', text))
    assert len(written) > 40
    assert sorted(written - set(ACTIONS)) == []


def test_the_journal_reads_in_sentences_with_named_details(web, lined_up, chief_user, settings):
    web.force_login(chief_user)
    page = web.get("/gestion/journal/", {"action": "queue.loading"}).content.decode()
    assert "Un louage commence à charger" in page
    assert "véhicule : 101 TU 1001" in page
    assert "vehicle=" not in page and "queue.loading</code>" not in page
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = web.get("/gestion/journal/", {"action": "queue.loading"}).content.decode()
    assert "A louage starts loading" in english
