"""Threat: IDOR and missing authorization — a caller reaches what is not theirs: another
client's reservation, another station's vehicles, an admin-only operation, a page of the desk.

Attack: every API operation read from the OpenAPI document, and every web URL read from the URL
resolver, is called by each of six callers — anonymous, a client, another client, the chief of
the station, another station's chief, an administrator — on the objects of the first client
and the first station, with a request that passes validation (so the permission check, not a
422, answers). Nothing here lists endpoints: an operation or a page added later is walked too.

- API: each operation says who may call it in `x-roles` (louage.core.api.access). An operation
  that requires a token and says nothing fails here. A caller outside the roles gets 401
  (anonymous) or 403/404, and nothing changes; a caller inside never gets 401/403.
- Web: a view is public only when it says so (`login_not_required`); `role_required` says the
  roles; other views need a login. Anonymous callers of a private page go to the login page,
  other roles get 403, and nothing changes.
- Everywhere: the other client, the other chief and anonymous callers never see the first
  client's private data (email, phone, reservation code, payment reference, notification).
"""

import hashlib
import io
import json
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.core import serializers
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from louage.accounts.sessions import tokens_for
from louage.core import api as core_api
from louage.stations.services import PLATE_PATTERN
from tests.booking_factories import CashPaymentFactory, ConfirmedReservationFactory
from tests.factories import AdminFactory, ChiefFactory, ClientFactory
from tests.network_factories import FareFactory, StationFactory, TripFactory, VehicleFactory

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "client", "other_client", "chief", "other_chief", "admin"]
ROLE_OF = {
    "anonymous": "anonymous",
    "client": "client",
    "other_client": "client",
    "chief": "chief",
    "other_chief": "chief",
    "admin": "admin",
}
UNCHANGED_TABLES_SKIP = {"reporting.visit", "reporting.dailyvisit"}


class World:
    """Two stations (A and B) with their chiefs, two clients, an admin; the first client's
    confirmed and paid reservation on a departure of station A, its notification."""

    def __init__(self):
        self.admin = AdminFactory(email="admin.matrix@example.tn")
        self.chief = ChiefFactory(email="chief.a@example.tn")
        self.other_chief = ChiefFactory(email="chief.b@example.tn")
        self.client = ClientFactory(
            email="victim.client@example.tn", phone="+21698765432", first_name="Victime"
        )
        self.other_client = ClientFactory(email="other.client@example.tn")
        self.station = StationFactory(name="Station A", city="Tunis", chief=self.chief)
        self.other_station = StationFactory(
            name="Station B", city="Sousse", chief=self.other_chief, latitude=35.8, longitude=10.6
        )
        self.vehicle = VehicleFactory(station=self.station, plate="111 TU 1111")
        self.other_vehicle = VehicleFactory(station=self.other_station, plate="222 TU 2222")
        FareFactory(origin_city="Tunis", destination_city="Sousse", price=20_000)
        self.trip = TripFactory(
            origin=self.station, destination=self.other_station, vehicle=self.vehicle,
            departure=timezone.now() + timedelta(days=2), price=10_000,
        )  # fmt: skip
        self.other_trip = TripFactory(
            origin=self.other_station, destination=self.station, vehicle=self.other_vehicle,
            departure=timezone.now() + timedelta(days=2), price=10_000,
        )  # fmt: skip
        self.reservation = ConfirmedReservationFactory(trip=self.trip, client=self.client)
        self.payment = CashPaymentFactory(
            reservation=self.reservation, provider_reference="PAYREF-VICTIM-0001"
        )
        from louage.notifications.models import Notification
        from louage.queues import services as queues

        self.notification = Notification.objects.create(
            user=self.client, kind="info", title="Secret du client", body="Message privé"
        )
        from louage.notifications.models import Notice

        self.notice = Notice.objects.create(author=self.chief, station=self.station, text="Quai 3")
        self.queue = queues.create_queue(by=self.chief, destination_id=self.other_station.pk)
        self.fare = FareFactory(origin_city="Tunis", destination_city="Sfax", price=25_000)
        from louage.core.models import Event
        from louage.opendata import services as opendata
        from louage.webhooks.models import Delivery, Endpoint

        self.endpoint = Endpoint.objects.create(
            url="https://partner.example.com/louage", events=["reservation.created"],
            encrypted_secret="x", created_by=self.admin,
        )  # fmt: skip
        event = Event.objects.create(type="reservation.created", data={"id": 1}, subject="r:1")
        self.delivery = Delivery.objects.create(endpoint=self.endpoint, event=event)
        opendata.build_feed()  # /gtfs.zip is served, never built in the request
        # Objects named by path parameters, and who owns each of them.
        self.objects = {
            "user_id": (self.client, {"client"}),
            "station_id": (self.station, {"chief"}),
            "vehicle_id": (self.vehicle, {"chief"}),
            "trip_id": (self.trip, {"chief"}),
            "reservation_id": (self.reservation, {"client", "chief"}),
            "payment_id": (self.payment, {"client", "chief"}),
            "notification_id": (self.notification, {"client"}),
            "queue_id": (self.queue, {"chief"}),
            "notice_id": (self.notice, {"chief"}),
            "fare_id": (self.fare, set()),
            "endpoint_id": (self.endpoint, set()),  # partners: administrators only
            "delivery_id": (self.delivery, set()),
        }
        # What only the first client (and those who serve it) may see.
        self.secrets = [
            self.client.email,
            self.client.phone,
            self.reservation.code,
            self.payment.provider_reference,
            self.notification.title,
        ]

    def user(self, actor):
        return None if actor == "anonymous" else getattr(self, actor)

    def owns(self, actor, param):
        if param not in self.objects:
            return True
        return actor in self.objects[param][1]


def state_digest():
    """A fingerprint of every row of the project's tables (visit counters aside)."""
    digest = hashlib.sha256()
    for model in apps.get_models():
        label = model._meta.label_lower
        if not model.__module__.startswith("louage.") or label in UNCHANGED_TABLES_SKIP:
            continue
        rows = model._default_manager.order_by("pk")
        digest.update(serializers.serialize("json", rows).encode())
    return digest.hexdigest()


def rolled_back(call):
    """Run `call` and undo whatever it changed, so every caller meets the same world."""
    result = {}
    with transaction.atomic():
        result["response"] = call()
        result["digest"] = state_digest()
        transaction.set_rollback(True)
    return result["response"], result["digest"]


def leaked(world, response, url=""):
    """The first client's secrets in the answer (one the caller put in the URL aside)."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    body = raw.decode("utf-8", "replace")
    return [secret for secret in world.secrets if secret and secret in body and secret not in url]


# --- API ---------------------------------------------------------------------------------


def openapi():
    from louage.api import api

    return json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/")))


PATTERN_SAMPLES = {
    core_api.EMAIL: "someone.new@example.tn",
    core_api.PHONE: "+21698111222",
    core_api.NAME: "Nom",
    core_api.LINE: "texte",
    core_api.TEXT: "texte",
    PLATE_PATTERN: "999 TU 9999",
    r"\D": "Un-mot-de-passe-2024",
}
# Answers about the credentials sent (a sample password, a made-up token), not about the
# caller's rights: an allowed caller may get them.
CREDENTIAL_CODES = {"bad_credentials", "token_invalid", "wrong_password", "forged_callback"}


def sample(world, name, schema, components):
    """A value the schema accepts; ids name the first client's or station's objects."""
    if "$ref" in schema:
        return sample(world, name, components[schema["$ref"].split("/")[-1]], components)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema and "properties" not in schema:
            options = [o for o in schema[key] if o.get("type") != "null"]
            return sample(world, name, options[0], components)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        required = set(schema.get("required", []))
        required |= set(schema.get("x-exactly-one-of", [])[:1])
        return {
            key: sample(world, key, value, components)
            for key, value in schema.get("properties", {}).items()
            if key in required
        }
    if kind == "array":
        return [sample(world, name.rstrip("s"), schema.get("items", {}), components)]
    if kind == "integer":
        reference = {"destination_id": "station_id", "origin_id": "station_id"}.get(name, name)
        if reference in world.objects:
            return world.objects[reference][0].pk
        if name == "trip_ids" or name == "trip_id":
            return world.trip.pk
        if name == "vehicle_ids":
            return world.vehicle.pk
        return max(schema.get("minimum", 1), 1) if "maximum" not in schema else schema["minimum"]
    if kind == "number":
        return schema.get("minimum", 0) + 0.5
    if kind == "boolean":
        return True
    if schema.get("format") == "date-time":
        return (timezone.now() + timedelta(days=3)).isoformat()
    if schema.get("format") == "date":
        return timezone.localdate().isoformat()
    if "pattern" in schema:
        value = PATTERN_SAMPLES.get(schema["pattern"])
        if value is None:
            from hypothesis import strategies

            value = strategies.from_regex(schema["pattern"], fullmatch=True).example()
        return value
    return "texte"


def api_request(world, path, method, operation, document):
    components = document["components"]["schemas"]
    url = path
    for param in re.findall(r"{(\w+)}", path):
        if param == "provider":
            value = "sandbox"
        else:
            assert param in world.objects, (
                f"{method.upper()} {path}: tell tests/security/test_permission_matrix.py "
                f"(World.objects) how to make the object `{param}` names"
            )
            value = world.objects[param][0].pk
        url = url.replace("{" + param + "}", str(value))
    query = {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query" and parameter.get("required"):
            query[parameter["name"]] = sample(
                world, parameter["name"], parameter["schema"], components
            )
    body = None
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = ("json", sample(world, "", content["application/json"]["schema"], components))
    elif "multipart/form-data" in content:
        body = ("multipart", None)
    return url, query, body


def png():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    out.seek(0)
    out.name = "a.png"
    return out


def call_api(world, actor, method, url, query, body):
    client = Client()
    headers = {}
    user = world.user(actor)
    if user is not None:
        headers["Authorization"] = f"Bearer {tokens_for(user)['access']}"
    if query:
        url = f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}"
    if body and body[0] == "json":
        return getattr(client, method)(
            url, json.dumps(body[1]), content_type="application/json", headers=headers
        )
    if body and body[0] == "multipart":
        return client.post(url, {"avatar": png()}, headers=headers)
    return getattr(client, method)(url, headers=headers)


def code(response):
    try:
        return response.json().get("code")
    except ValueError:
        return None


def foreign_reference(world, actor, body):
    """The body names an object of the first station or client that `actor` does not own
    (a chief of station B writing about a departure of station A may be refused)."""
    if not body or not isinstance(body[1], dict):
        return False
    named = {
        "trip_ids": "trip_id", "trip_id": "trip_id", "vehicle_id": "vehicle_id",
        "vehicle_ids": "vehicle_id", "queue_id": "queue_id", "origin_id": "station_id",
    }  # fmt: skip
    return any(key in body[1] and not world.owns(actor, named[key]) for key in named)


def allowed(world, actor, roles, path):
    role = ROLE_OF[actor]
    if role not in roles:
        return False
    if roles[role] == "all":
        return True
    return all(world.owns(actor, param) for param in re.findall(r"{(\w+)}", path))


def api_operations():
    document = openapi()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation, document


def test_every_api_operation_says_who_may_call_it():
    undeclared = [
        f"{method.upper()} {path}"
        for path, method, operation, _doc in api_operations()
        if operation.get("security") and "x-roles" not in operation
    ]
    assert not undeclared, (
        "operations that require a token without saying who may call them "
        f"(openapi_extra=access(...)): {undeclared}"
    )


def test_each_caller_reaches_only_what_the_operation_allows(settings):
    settings.API_RATE_ANONYMOUS = settings.API_RATE_BOOKING = settings.API_RATE_PAYMENT = None
    world = World()
    problems = []
    for path, method, operation, document in api_operations():
        roles = operation.get("x-roles") or (
            {} if operation.get("security") else {"anonymous": "all"}
        )
        if not operation.get("security"):
            roles = {**roles, **{r: "all" for r in ("client", "chief", "admin")}}
        url, query, body = api_request(world, path, method, operation, document)
        before = state_digest()
        for actor in ACTORS:
            response, after = rolled_back(
                lambda a=actor, m=method, u=url, q=query, b=body: call_api(world, a, m, u, q, b)
            )
            status = response.status_code
            label = f"{method.upper()} {path} as {actor}: {status}"
            if status >= 500:
                problems.append(f"{label} (server error)")
            elif allowed(world, actor, roles, path):
                if status in (401, 403) and code(response) not in CREDENTIAL_CODES:
                    if not (status == 403 and foreign_reference(world, actor, body)):
                        problems.append(f"{label}, but x-roles allows it")
            else:
                expected = {401} if actor == "anonymous" else {403, 404}
                if status not in expected:
                    problems.append(f"{label}, expected {sorted(expected)}")
                if after != before:
                    problems.append(f"{label}: refused, yet it changed the database")
            if actor in ("anonymous", "other_client", "other_chief") and leaked(
                world, response, url
            ):
                problems.append(f"{label} shows the first client's {leaked(world, response, url)}")
    assert not problems, "\n".join(problems)


# --- Web pages ---------------------------------------------------------------------------


def url_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


WEB_SAMPLES = {
    "table": "sales",
    "action": "full",
    "token": "x",
    "key": "x",
    "path": "avatars/none.webp",
    "language": "fr",
}


def web_url(world, route):
    def replace(match):
        name = match.group(2)
        if name in world.objects:
            return str(world.objects[name][0].pk)
        if name == "reference":
            return world.payment.provider_reference
        assert name in WEB_SAMPLES, (
            f"{route}: tell tests/security/test_permission_matrix.py (WEB_SAMPLES or "
            f"World.objects) what to put for `{name}`"
        )
        return WEB_SAMPLES[name]

    url = re.sub(r"<(?:(\w+):)?(\w+)>", replace, route)
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: replace(re.match(r"(x)?(.*)", m.group(1))), url)
    return "/" + url.replace("^", "").replace("$", "").replace("\\", "")


def own_view(callback):
    from louage.core.views import page_not_found

    return callback.__module__.startswith("louage.") and callback is not page_not_found


def declared_roles(callback):
    """(roles or None, public?) as the view's decorators say."""
    roles = getattr(callback, "allowed_roles", None)
    public = getattr(callback, "login_required", True) is False
    return roles, public


def login_redirect(response):
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_every_page_says_who_may_open_it():
    from louage.core.decorators import role_required  # noqa: F401 (sets allowed_roles)

    problems = []
    client = Client()
    for route, callback in url_patterns():
        if not own_view(callback) or route.startswith("api/"):
            continue
        roles, public = declared_roles(callback)
        if roles or public:
            continue
        # Otherwise the view must ask for a login.
        world_free_url = re.sub(r"<(?:\w+:)?(\w+)>", "1", route)
        response = client.get("/" + world_free_url)
        if not login_redirect(response) and response.status_code != 405:
            problems.append(
                f"/{route}: public without @login_not_required ({response.status_code})"
            )
    assert not problems, "\n".join(problems)


def test_each_caller_opens_only_the_pages_it_may(settings):
    world = World()
    browsers = {}
    for actor in ACTORS:
        browsers[actor] = Client()
        if world.user(actor) is not None:
            browsers[actor].force_login(world.user(actor))
    problems = []
    for route, callback in url_patterns():
        if route.startswith(("api/", "static/")):
            continue
        # Django's admin guards all its pages with one wrapper: its index stands for them.
        if not own_view(callback) and route != "django-admin/":
            continue
        url = web_url(world, route)
        roles, public = declared_roles(callback)
        before = state_digest()
        for actor in ACTORS:
            for method in ("get", "post"):
                browser = browsers[actor]
                response, after = rolled_back(lambda b=browser, m=method, u=url: getattr(b, m)(u))
                status = response.status_code
                label = f"{method.upper()} {url} as {actor}: {status}"
                if status >= 500:
                    problems.append(f"{label} (server error)")
                    continue
                if route.startswith("django-admin/"):
                    if status == 200 and "login" not in url:
                        problems.append(f"{label}: the Django admin opened for a non-staff user")
                    continue
                if status == 405:
                    continue
                role = ROLE_OF[actor]
                if public:
                    may = True
                elif actor == "anonymous":
                    may = False
                else:
                    may = roles is None or role in roles
                names = re.findall(r"<(?:\w+:)?(\w+)>", route)
                foreign = actor != "admin" and any(not world.owns(actor, n) for n in names)
                if may and foreign and not public:
                    # Someone else's object: refused (403/404), sent away, or unchanged.
                    if after != before and status != 403:
                        problems.append(f"{label}: changed another's object")
                    if leaked(world, response, url):
                        problems.append(f"{label} shows {leaked(world, response, url)}")
                    continue
                if may and not public and (status == 403 or login_redirect(response)):
                    problems.append(f"{label}: refused to a caller the view allows")
                if not may:
                    if actor == "anonymous" and not login_redirect(response):
                        problems.append(f"{label}: expected the login page")
                    if actor != "anonymous" and status not in (403, 404):
                        problems.append(f"{label}: expected 403")
                    if after != before:
                        problems.append(f"{label}: refused, yet it changed the database")
                if actor in ("anonymous", "other_client", "other_chief") and leaked(
                    world, response, url
                ):
                    problems.append(
                        f"{label} shows the first client's {leaked(world, response, url)}"
                    )
    assert not problems, "\n".join(problems)
