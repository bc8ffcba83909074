"""Fixtures shared by the whole suite: users of each role and JSON API clients."""

import json

import pytest
from django.test import Client

from louage.accounts.sessions import tokens_for
from tests.factories import PASSWORD, AdminFactory, ChiefFactory, ClientFactory


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The GTFS feeds a test builds stay in the test's own folder too.
    settings.STORAGES = {
        **settings.STORAGES,
        "opendata": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "opendata")},
        },
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is made to be slow: a second per test user on this machine. Tests that check the
    # stored hash (or hash upgrades) set PASSWORD_HASHERS themselves.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def _events_relayed_inline(settings):
    # Domain events reach their subscribers right after each commit, in the test's process
    # (live servers and `make run` have a relay process instead).
    settings.EVENTS_RELAY_INLINE = True


@pytest.fixture(autouse=True)
def _no_sms(settings):
    # SMS are off unless a test turns them on (tests/sms/): with the development default
    # (console), every booking of the suite would print its SMS.
    settings.SMS_BACKEND = ""


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters and cached values never leak from one test into the next."""
    from django.core.cache import cache

    from louage.core import throttles
    from louage.trips import network

    cache.clear()
    throttles.forget_tallies()
    network.forget()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def client_user(db):
    return ClientFactory()


@pytest.fixture
def chief_user(db):
    return ChiefFactory()


@pytest.fixture
def admin_user(db):
    return AdminFactory()


class ApiClient:
    """Django test client speaking JSON to /api/v1 with an optional bearer token."""

    def __init__(self, user=None):
        self.client = Client()
        self.token = tokens_for(user)["access"] if user else None

    def _headers(self, extra):
        headers = dict(extra or {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return headers

    def _send(self, method, path, data=None, headers=None, raw=None):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        body = raw if raw is not None else (json.dumps(data) if data is not None else None)
        kwargs = {"headers": self._headers(headers)}
        if body is not None:
            kwargs["data"] = body
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method)(url, **kwargs)

    def get(self, path, params=None, headers=None):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        return self.client.get(url, params or {}, headers=self._headers(headers))

    def post(self, path, data=None, **kw):
        return self._send("post", path, data, **kw)

    def patch(self, path, data=None, **kw):
        return self._send("patch", path, data, **kw)

    def put(self, path, data=None, **kw):
        return self._send("put", path, data, **kw)

    def delete(self, path, data=None, **kw):
        return self._send("delete", path, data, **kw)

    def upload(self, path, files):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        return self.client.post(url, files, headers=self._headers(None))


@pytest.fixture
def api():
    """`api()` anonymous, `api(user)` authenticated as that user."""
    return ApiClient


@pytest.fixture
def web(client):
    """Django test client for the HTML pages; `web.force_login(user)` to act as someone."""
    return client


# --- Real servers: PostgreSQL, live web apps, SMTP -----------------------------------------


@pytest.fixture(scope="session")
def _pg_cluster_holder():
    holder = {}
    yield holder
    if "cluster" in holder:
        holder["cluster"].stop()


@pytest.fixture(scope="session")
def postgres_cluster(_pg_cluster_holder):
    """A throwaway PostgreSQL cluster (initdb + pg_ctl), started once per test session."""
    from tests.support.servers import MissingSystemPackage, PostgresCluster
    from tests.support.system import missing_system_package

    if "cluster" not in _pg_cluster_holder:
        try:
            _pg_cluster_holder["cluster"] = PostgresCluster().start()
        except MissingSystemPackage as exc:
            missing_system_package("postgresql", str(exc))
    return _pg_cluster_holder["cluster"]


@pytest.fixture(scope="session")
def _live_factory(_pg_cluster_holder, request):
    from tests.support.servers import LiveAppFactory

    def get_cluster():
        return request.getfixturevalue("postgres_cluster")

    factory = LiveAppFactory(get_cluster)
    yield factory
    factory.close()


@pytest.fixture
def live_app(_live_factory, request):
    """`live_app(backend="sqlite"|"postgres", workers=4, env={...}, seed_demo=False)` → a started
    web server on a fresh, migrated database, stopped after the test."""
    started = []

    def make(backend="sqlite", **kwargs):
        if backend == "postgres":
            request.getfixturevalue("postgres_cluster")
        server = _live_factory(backend, **kwargs)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback collecting every message sent to it."""
    from tests.support.mail import SMTPServer

    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_settings(settings, smtp_server):
    """Route Django's mail in this process to the local SMTP server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = False
    return smtp_server


# --- The station network --------------------------------------------------------------------


@pytest.fixture
def station(db, chief_user):
    from tests.network_factories import StationFactory

    return StationFactory(name="Tunis Moncef Bey", city="Tunis", chief=chief_user)


@pytest.fixture
def other_station(db):
    from decimal import Decimal

    from tests.network_factories import StationFactory

    return StationFactory(
        name="Sousse Centre",
        city="Sousse",
        latitude=Decimal("35.8256"),
        longitude=Decimal("10.6084"),
    )


@pytest.fixture
def vehicle(station):
    from tests.network_factories import VehicleFactory

    return VehicleFactory(station=station, plate="123 TU 4567")


@pytest.fixture
def trip(request, station, other_station, vehicle):
    from datetime import timedelta

    from django.utils import timezone

    from tests.network_factories import TripFactory

    extra = {}
    if "midday" in request.fixturenames:
        # Before 09:00 in Tunis, three hours from now is still before the frozen noon: the
        # departure would be past for the app. Three hours after the later of the two.
        noon = request.getfixturevalue("midday")
        extra["departure"] = max(timezone.now(), noon) + timedelta(hours=3)
    return TripFactory(origin=station, destination=other_station, vehicle=vehicle, **extra)


@pytest.fixture
def midday(monkeypatch):
    """The app's clock stands at 12:00 in Tunis today, so "today" checks (boarding) never
    depend on when the suite runs."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    tunis = ZoneInfo("Africa/Tunis")
    noon = datetime.combine(timezone.now().astimezone(tunis).date(), time(12, 0), tzinfo=tunis)
    monkeypatch.setattr("louage.core.clock.now", lambda: noon)
    return noon


# --- Identity providers: a real OpenID Connect provider and Facebook's Graph API ------------


@pytest.fixture(scope="session")
def oidc_provider():
    """A real OpenID Connect provider on loopback (oidc-provider-mock), for the session."""
    from tests.support.servers import OIDCProvider

    server = OIDCProvider().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def facebook_graph():
    """Facebook's login dialog and Graph API, as documented, on loopback."""
    from tests.support.servers import FacebookGraph

    server = FacebookGraph().start()
    yield server
    server.stop()


SOCIAL_ENV = {
    "GOOGLE_CLIENT_ID": "louage-google.apps.googleusercontent.com",
    "GOOGLE_CLIENT_SECRET": "google-client-secret",
    "OIDC_PROVIDER_NAME": "Université de Tunis",
    "OIDC_CLIENT_ID": "louage-oidc",
    "OIDC_CLIENT_SECRET": "oidc-client-secret",
}


@pytest.fixture
def social_providers(settings, monkeypatch, oidc_provider, facebook_graph):
    """Google, Facebook and a generic OpenID Connect provider configured from environment
    variables as in production, in this process. Google is unreachable from here, so its
    endpoints point at the local OpenID Connect provider; Facebook's at the local Graph API."""
    from allauth.socialaccount.providers.facebook import flows as facebook_flows
    from allauth.socialaccount.providers.facebook.views import FacebookOAuth2Adapter
    from allauth.socialaccount.providers.google import views as google_views
    from allauth.socialaccount.providers.google.views import GoogleOAuth2Adapter

    from louage.accounts import social_config

    issuer = oidc_provider.issuer
    env = {
        **SOCIAL_ENV,
        "OIDC_SERVER_URL": issuer,
        "FACEBOOK_APP_ID": facebook_graph.app_id,
        "FACEBOOK_APP_SECRET": facebook_graph.app_secret,
    }
    providers = social_config.providers_from_env(env)
    google_endpoints = {
        "AUTHORIZE_URL": f"{issuer}/oauth2/authorize",
        "ACCESS_TOKEN_URL": f"{issuer}/oauth2/token",
        "IDENTITY_URL": f"{issuer}/userinfo",
        "ID_TOKEN_ISSUER": issuer,
    }
    providers["google"].update(google_endpoints)
    providers["facebook"].update(
        AUTHORIZE_URL=facebook_graph.dialog_url, GRAPH_API_URL=facebook_graph.graph_url
    )
    settings.SOCIALACCOUNT_PROVIDERS = providers
    # allauth copies these endpoints into module constants when Django starts, before any
    # fixture runs: the copies follow the test settings too.
    monkeypatch.setattr(GoogleOAuth2Adapter, "authorize_url", google_endpoints["AUTHORIZE_URL"])
    monkeypatch.setattr(
        GoogleOAuth2Adapter, "access_token_url", google_endpoints["ACCESS_TOKEN_URL"]
    )
    monkeypatch.setattr(GoogleOAuth2Adapter, "identity_url", google_endpoints["IDENTITY_URL"])
    monkeypatch.setattr(google_views, "ID_TOKEN_ISSUER", issuer)
    monkeypatch.setattr(FacebookOAuth2Adapter, "authorize_url", facebook_graph.dialog_url)
    monkeypatch.setattr(
        FacebookOAuth2Adapter, "access_token_url", f"{facebook_graph.graph_url}/oauth/access_token"
    )
    monkeypatch.setattr(facebook_flows, "GRAPH_API_URL", facebook_graph.graph_url)
    return providers


# --- Depart-when-full queues: Tunis → Sousse at the official fare, vehicles arriving ---------

QUEUE_FARE = 12_750


@pytest.fixture
def fare(db):
    from tests.network_factories import FareFactory

    return FareFactory(origin_city="Tunis", destination_city="Sousse", price=QUEUE_FARE)


@pytest.fixture
def queue(station, other_station, fare, chief_user):
    from louage.queues import services

    return services.create_queue(by=chief_user, destination_id=other_station.pk)


@pytest.fixture
def vehicles(station):
    """Arriving vehicles of the station: three 8-seaters and a 4-seater."""
    from tests.network_factories import VehicleFactory

    return [
        VehicleFactory(station=station, plate="101 TU 1001", owner_name="Ali Ben Salah"),
        VehicleFactory(station=station, plate="102 TU 1002", owner_name="Ali Ben Salah"),
        VehicleFactory(station=station, plate="103 TU 1003", owner_name="Hédi Trabelsi"),
        VehicleFactory(station=station, plate="104 TU 1004", owner_name="Mounir Jlassi", seats=4),
    ]


@pytest.fixture
def lined_up(queue, vehicles, chief_user):
    """The first three vehicles in the queue, the first one loading."""
    from louage.queues import services

    for vehicle in vehicles[:3]:
        services.add_vehicle(queue=queue, by=chief_user, vehicle_id=vehicle.pk)
    return queue


# --- SMS: a real Kannel gateway (bearerbox, smsbox, the fake SMS centre) ---------------------


def _kannel_gateway():
    from tests.support.kannel import KannelGateway
    from tests.support.servers import MissingSystemPackage
    from tests.support.system import missing_system_package

    try:
        return KannelGateway()
    except MissingSystemPackage as exc:
        missing_system_package("kannel-extras" if "fakesmsc" in str(exc) else "kannel", str(exc))


@pytest.fixture(scope="session")
def kannel():
    """Kannel for the tests that send from this process (its inbound SMS go nowhere)."""
    from tests.support.servers import free_port

    gateway = _kannel_gateway()
    gateway.start(f"http://127.0.0.1:{free_port()}/sms/kannel/inbound")
    yield gateway
    gateway.stop()


@pytest.fixture
def kannel_settings(settings, kannel):
    """This process sends SMS through the session's Kannel; the task worker's tasks run at once."""
    for key, value in kannel.env().items():
        setattr(settings, key, value)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return kannel


@pytest.fixture(scope="session")
def sms_live(_live_factory):
    """A live Louage (the web server, its task worker) wired to its own Kannel both ways: sendsms out,
    delivery reports and messages from phones (sms-service) back."""
    from types import SimpleNamespace

    from tests.support.servers import TaskWorker

    gateway = _kannel_gateway()
    server = _live_factory("sqlite", workers=2, env=gateway.env())
    gateway.start(f"{server.url}/sms/kannel/inbound")
    worker = TaskWorker(server.env, server.workdir / "task_worker.log").start()
    yield SimpleNamespace(gateway=gateway, server=server, worker=worker)
    worker.stop()
    gateway.stop()
    server.stop()
