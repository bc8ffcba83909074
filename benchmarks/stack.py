"""The stack per request, in CPU microseconds, whole and lever by lever (in-process).

The WSGI handler is called directly (no network, no server): the whole stack, the view without
middleware, each lever of docs/benchmarks.md undone alone (and with STACK_ABLATE=1 each
middleware left out), in interleaved rounds so a figure does not depend on what else the
machine runs. `python -m benchmarks stack`; `python -m benchmarks.stack profile healthz`."""

import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path

# The least of many short rounds: other processes on the machine only ever add to a round.
ROUNDS = int(os.environ.get("STACK_ROUNDS", "5"))
CALLS = int(os.environ.get("STACK_CALLS", "50"))

ROUTES = {
    "healthz": ("/healthz", {}),
    "search cities": ("/api/v1/trips", {"QUERY_STRING": "origin=Tunis&destination=Sousse"}),
    "me (JWT)": ("/api/v1/me", {"token": True}),
    # Station ids and a day filled in once the network exists; the answers cache is off, so
    # each call is what a search the cache has not seen costs.
    "search ids (no cache)": ("/api/v1/trips", {"QUERY_STRING": "{search}", "nocache": True}),
    "search cities (no cache)": (
        "/api/v1/trips",
        {"QUERY_STRING": "{search_cities}", "nocache": True},
    ),
    # One seat held, the departures and the travellers cycled so that none fills and no
    # account gathers thousands of holds (their limits are counted on each hold).
    "hold": ("/api/v1/reservations", {"token": True, "hold": True}),
    "home page": ("/", {}),
}


def _environ(path, extra, token):
    from django.test import RequestFactory

    environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET")
    environ.update({k: v for k, v in extra.items() if k not in ("token", "nocache", "hold")})
    environ["REMOTE_ADDR"] = "127.0.0.1"
    environ["HTTP_HOST"] = "localhost"
    if extra.get("token"):
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return environ


def cpu_us(handler, environ, calls=CALLS, rounds=ROUNDS):
    """Least CPU time per call over `rounds` rounds of `calls` calls (µs), and the status."""
    figures = compare({"one": handler}, environ, calls=calls, rounds=rounds)
    return figures["one"]


def compare(handlers, environ, calls=CALLS, rounds=ROUNDS, reset=None):
    """{label: (least CPU µs per call, status)}, the handlers' rounds interleaved so that
    the machine's load weighs on each alike. `reset`, when given, runs (untimed) before
    each round of each handler."""
    statuses = {}
    best = {label: float("inf") for label in handlers}
    for label, handler in handlers.items():

        def start_response(status, headers, exc_info=None, label=label):
            statuses[label] = status

        handlers[label] = (handler, start_response)
        if reset:
            reset()
        for _ in range(50):  # warm-up: caches, lazy imports, first connection
            b"".join(handler(dict(environ), start_response))
    for _ in range(rounds):
        for label, (handler, start_response) in handlers.items():
            if reset:
                reset()
            started = time.process_time()
            for _ in range(calls):
                body = handler(dict(environ), start_response)
                b"".join(body)
                body.close()
            best[label] = min(best[label], (time.process_time() - started) / calls * 1e6)
    return {label: (best[label], statuses[label]) for label in handlers}


def _old_language_call(self, request):
    """PreferredLanguageMiddleware.__call__ before it stopped reading the session for the API
    and for requests without a session cookie."""
    from django.utils import translation
    from django.utils.cache import patch_vary_headers

    language = request.COOKIES.get(settings_value("LANGUAGE_COOKIE_NAME"))
    if language not in self.supported:
        user = getattr(request, "user", None)
        language = getattr(user, "language", None) if user and user.is_authenticated else None
    if language not in self.supported and request.path.startswith("/api/"):
        language = (
            translation.get_supported_language_variant(
                translation.get_language_from_request(request), strict=False
            )
            if request.headers.get("Accept-Language")
            else None
        )
        language = language[:2] if language else None
    if language not in self.supported:
        language = settings_value("LANGUAGE_CODE")
    translation.activate(language)
    request.LANGUAGE_CODE = language
    response = self.get_response(request)
    response.headers.setdefault("Content-Language", language)
    patch_vary_headers(response, ("Cookie",))
    return response


def _old_authenticate(self, request, token):
    """JWTAuth.authenticate before the user lookup lost its ORDER BY (first())."""
    from django.contrib.auth import get_user_model
    from ninja_jwt.exceptions import TokenError
    from ninja_jwt.tokens import AccessToken

    from louage.accounts.sessions import is_current

    try:
        access = AccessToken(token)
        user_id = access["user_id"]
    except (TokenError, KeyError):
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not is_current(access, user):
        return None
    request.user = user
    chosen = request.headers.get("Accept-Language") or request.COOKIES.get(
        settings_value("LANGUAGE_COOKIE_NAME")
    )
    if not chosen and user.language in dict(settings_value("LANGUAGES")):
        from django.utils import translation

        translation.activate(user.language)
    return user


def _old_search_trips(*, origin=None, destination=None, day=None, seats=1):
    """selectors.search_trips before the stations and route durations were kept in memory:
    the active stations read on every search, both stations joined with all their columns,
    the duration in a subquery, every column of the departures."""
    from louage.core import clock
    from louage.core.times import day_bounds, local_today
    from louage.stations import places
    from louage.trips.models import Trip
    from louage.trips.selectors import with_relations

    start, end = day_bounds(day or local_today())
    trips = Trip.objects.filter(kind="scheduled", status="scheduled", seats_available__gte=seats,
                                departure__gte=max(start, clock.now())).filter(departure__lt=end)  # fmt: skip
    stations = places._stations() if (origin or destination) else None
    for field, value in (("origin_id__in", origin), ("destination_id__in", destination)):
        ids = places.resolve(value, stations)
        if ids is not None:
            trips = trips.filter(**{field: ids})
    return with_relations(trips).order_by("departure", "pk")


def _compiled_every_time(self, *args):
    """Prepared.all before the hot queries (caller, client lock, departure lock, hold limits)
    were compiled once: the ORM builds and compiles each on every call."""
    return list(self.build(*args))


def _update_compiled_every_time(self, *args):
    """PreparedUpdate.run (the seats taken) before it was compiled once."""
    from django.db.models.query import QuerySet

    queryset, values = self.build(*args)
    return QuerySet.update(queryset, **values)


def _built_every_time(self, build, function, *args):
    """TripQuerySet.answered_by before a search's query was compiled once per shape: the ORM
    builds and compiles it on every search."""
    return build()


def _counted_every_request(self, request):
    """ApiTraffic.allow_request before its counts were sent in steps: one write to the shared
    cache per request (django-ratelimit)."""
    from django.conf import settings

    from louage.core import throttles

    account = getattr(request, "auth", None)
    account_id = account.pk if account is not None else throttles.bearer_account_id(request)
    key = f"user:{account_id}" if account_id else f"ip:{throttles.address_key(request)}"
    self.usage = throttles._usage(request, "api-traffic", settings.API_RATE_ANONYMOUS, key,
                                  increment=True)  # fmt: skip
    request.rate_usage = self.usage
    return not (self.usage and self.usage["should_limit"])


def settings_value(name):
    from django.conf import settings

    return getattr(settings, name)


# Each lever of docs/benchmarks.md ("Per-request stack") and how to undo it for the "before":
# a middleware swapped back, or a function patched back while the "before" handler runs.
LEVERS = {
    "CSP header built once": {
        "middleware": ("louage.core.lean_middleware.CSPMiddleware",
                       "csp.middleware.CSPMiddleware"),
    },
    "messages storage made when used": {
        "middleware": ("louage.core.lean_middleware.LazyMessageMiddleware",
                       "django.contrib.messages.middleware.MessageMiddleware"),
    },
    "language without the session unless signed in": {
        "patch": ("louage.core.middleware", "PreferredLanguageMiddleware.__call__",
                  _old_language_call),
    },
    "JWT user fetched without ORDER BY": {
        "patch": ("louage.core.api", "JWTAuth.authenticate", _old_authenticate),
    },
    "search network in memory, shown columns": {
        "patch": ("louage.trips.selectors", "search_trips", _old_search_trips),
    },
    "search compiled once, built when needed": {
        "patch": ("louage.trips.models", "TripQuerySet.answered_by", _built_every_time),
    },
    "API traffic counted in steps": {
        "patch": ("louage.core.throttles", "ApiTraffic.allow_request", _counted_every_request),
    },
    "reservation code without a savepoint": {
        "patch": ("louage.booking.services", "runs_again_when_asked", lambda: False),
    },
    "search generation raised once per booking": {
        "patch": ("louage.trips.search_cache", "in_service_transaction", lambda: False),
    },
    "hot queries compiled once": {
        "patches": [("louage.core.prepared", "Prepared.all", _compiled_every_time),
                    ("louage.core.prepared", "PreparedUpdate.run", _update_compiled_every_time)],
    },
}  # fmt: skip


def _patched(handler, patches):
    """`handler` run with `patches` ((module, "attr" or "Class.attr", value)) in place."""
    import importlib

    targets = []
    for module, dotted, value in patches:
        owner = importlib.import_module(module)
        *path, name = dotted.split(".")
        for part in path:
            owner = getattr(owner, part)
        targets.append((owner, name, value))

    def call(environ, start_response):
        saved = [(owner, name, getattr(owner, name)) for owner, name, _value in targets]
        for owner, name, value in targets:
            setattr(owner, name, value)
        try:
            return handler(environ, start_response)
        finally:
            for owner, name, value in saved:
                setattr(owner, name, value)

    return call


def _undone(whole, levers):
    """A handler with `levers` undone."""
    middleware = list(whole)
    patches = []
    for lever in levers:
        if "middleware" in LEVERS[lever]:
            after, before = LEVERS[lever]["middleware"]
            middleware = [before if m == after else m for m in middleware]
        if "patch" in LEVERS[lever]:
            patches.append(LEVERS[lever]["patch"])
        patches.extend(LEVERS[lever].get("patches", ()))
    handler = _handler(middleware)
    return _patched(handler, patches) if patches else handler


def _handler(middleware=None):
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    if middleware is None:
        return WSGIHandler()
    with override_settings(MIDDLEWARE=middleware):
        return WSGIHandler()  # the chain is built here, once


def _route(path, extra, token, context):
    """The environ of a route and a wrapper giving each call its own body (holds): the
    departures are cycled so that none fills during a run."""
    import io
    import itertools

    environ = _environ(path, extra, token)
    if "{" in environ.get("QUERY_STRING", ""):
        environ["QUERY_STRING"] = environ["QUERY_STRING"].format(**context)
    if not extra.get("hold"):
        return environ, lambda handler: handler, None
    trips = itertools.cycle(context["trips"])
    travellers = itertools.cycle(context["tokens"])

    def wrap(handler):
        def call(environ, start_response):
            body = json.dumps({"trip_id": next(trips), "seats": 1}).encode()
            environ.update({"REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/json",
                            "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
                            "HTTP_AUTHORIZATION": f"Bearer {next(travellers)}"})  # fmt: skip
            return handler(environ, start_response)

        return call

    def reset():
        """The round's holds taken back and their seats freed, so that every round holds
        seats on open departures (none answers 409) and no account's limits grow."""
        from django.db.models import F

        from louage.booking.models import Reservation
        from louage.trips.models import Trip

        Reservation.objects.filter(status="pending").delete()
        Trip.objects.filter(pk__in=context["trips"]).update(seats_available=F("seats_total"))

    return environ, wrap, reset


def _context():
    """Station ids for a search that has answers, and departures open for holds."""
    from datetime import timedelta

    from django.utils import timezone

    from louage.trips.models import Trip

    soon = timezone.now() + timedelta(hours=2)
    trips = list(Trip.objects.filter(status="scheduled", kind="scheduled", seats_available__gte=1,
                                     departure__gt=soon).values_list("pk", flat=True))  # fmt: skip
    first = Trip.objects.filter(pk__in=trips).order_by("departure").first()
    day = timezone.localtime(first.departure).date()
    search = f"origin={first.origin_id}&destination={first.destination_id}&date={day}"
    cities = f"origin={first.origin.city}&destination={first.destination.city}&date={day}"
    return {"search": search, "search_cities": cities, "trips": trips}


def _settings_for(extra):
    from django.test.utils import override_settings

    return override_settings(SEARCH_CACHE_SECONDS=0) if extra.get("nocache") else nullcontext()


def _profile(handler, environ, calls=2000, reset=None):
    """cProfile of `calls` requests, the 25 functions with the most own time, then by
    cumulative time. `reset` (holds) runs, unprofiled, every 500 requests."""
    import cProfile
    import pstats

    def start_response(status, headers, exc_info=None):
        pass

    for _ in range(50):
        b"".join(handler(dict(environ), start_response))
    if os.environ.get("STACK_SQL"):  # the statements of one request, in order
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as statements:
            b"".join(handler(dict(environ), start_response))
        for statement in statements:
            print(statement["sql"][:300])
    # STACK_CLOCK=cpu: this process's CPU time only (what a worker spends, not its waits).
    clock = time.process_time if os.environ.get("STACK_CLOCK") == "cpu" else time.perf_counter
    profiler = cProfile.Profile(clock)
    for done in range(calls):
        if reset and done % 500 == 0:
            reset()
        profiler.enable()
        b"".join(handler(dict(environ), start_response))
        profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(45)
    stats.print_callees(os.environ.get("STACK_CALLEES", "observability.py.*__call__"))
    if os.environ.get("STACK_CALLERS"):
        stats.print_callers(os.environ["STACK_CALLERS"])
    stats.sort_stats("tottime").print_stats(25)


def child(ablate, profile=None):
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from louage.accounts.models import User
    from louage.accounts.sessions import tokens_for
    from tests.support.network_data import generate_network

    generate_network(stations=20, trips=3000, days=20, seed=1)
    user = User.objects.create(email="stack@example.tn", role="client", phone="+21690000001")
    token = tokens_for(user)["access"]
    whole = list(settings.MIDDLEWARE)
    context = _context()
    travellers = User.objects.bulk_create(
        User(email=f"stack{i}@example.tn", role="client", phone=f"+2169{i:07d}")
        for i in range(2, 502)
    )
    context["tokens"] = [tokens_for(traveller)["access"] for traveller in travellers]
    if profile:
        path, extra = ROUTES[profile]
        environ, wrap, reset = _route(path, extra, token, context)
        calls = int(os.environ.get("STACK_CALLS", "2000"))
        with _settings_for(extra):
            _profile(wrap(_handler()), environ, calls=calls, reset=reset)
        return
    results = {"middleware": whole, "routes": {}}
    full = _handler()
    bare = _handler([])
    chosen = os.environ.get("STACK_ROUTES", "")  # e.g. "healthz,search cities"
    for label, (path, extra) in ROUTES.items():
        if chosen and label not in chosen.split(","):
            continue
        environ, wrap, reset = _route(path, extra, token, context)
        handlers = {
            "whole": full,
            "no middleware": bare,
            "before every lever": _undone(whole, LEVERS),
        }
        for lever in LEVERS:
            handlers[f"before {lever}"] = _undone(whole, [lever])
        if ablate:  # each middleware left out, in the same interleaved rounds
            for name in whole:
                handlers[f"without {name}"] = _handler([m for m in whole if m != name])
        with _settings_for(extra):
            figures = compare({k: wrap(h) for k, h in handlers.items()}, environ, reset=reset)
        results["routes"][label] = figures
    print("STACK_RESULT " + json.dumps(results), flush=True)


def run(ablate=True, profile=None):
    """STACK_DATABASE=postgres: the same on a throwaway PostgreSQL cluster with Redis for the
    cache and the counters, as production runs it."""
    with tempfile.TemporaryDirectory(prefix="louage-stack-") as workdir, _database() as urls:
        (Path(workdir) / "metrics").mkdir()
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
        }
        env.update(urls)
        env.update(
            DJANGO_SETTINGS_MODULE="louage.settings",
            LOUAGE_VAR_DIR=workdir,
            LOG_FORMAT="json",  # as in production: one JSON line per request, to /dev/null here
            # As under the web server (louage.core.web): counters in per-process files.
            PROMETHEUS_MULTIPROC_DIR=str(Path(workdir) / "metrics"),
            RATE_API_ANONYMOUS="100000000/m",
            RATE_API_BOOKING="100000000/m",
            MAX_PENDING_HOLDS="1000000",
            MAX_HELD_SEATS="1000000",
            HOLD_COOLDOWN_AFTER_EXPIRED="0",
            # As `make run`: the relay process hands the domain events on, not the request.
            EVENTS_RELAY_INLINE="false",
            PYTHONHASHSEED="0",
        )
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.stack",
                "child",
                "1" if ablate else "0",
                *([profile] if profile else []),
            ],  # fmt: skip
            env=env,
            stdout=None if profile else subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            timeout=3600,
            check=True,
        ).stdout
    if profile:
        return None
    for line in out.splitlines():
        if line.startswith("STACK_RESULT "):
            return json.loads(line.removeprefix("STACK_RESULT "))
    raise RuntimeError(f"no figures:\n{out[-2000:]}")


@contextmanager
def _database():
    """Environment naming the database (and Redis) of the run: none on SQLite, the default."""
    if os.environ.get("STACK_DATABASE", "sqlite") != "postgres":
        yield {}
        return
    from tests.support.servers import PostgresCluster, RedisServer

    cluster = PostgresCluster().start()
    redis = None
    try:
        redis = RedisServer().start()
        yield {"DATABASE_URL": cluster.create_database("louage_stack"), "REDIS_URL": redis.url}
    finally:
        if redis:
            redis.stop()
        cluster.stop()


def table(results):
    lines = []
    for label, figures in results["routes"].items():
        whole, status = figures["whole"]
        bare, _ = figures["no middleware"]
        before, _ = figures["before every lever"]
        lines.append(f"{label} ({status}): whole stack {whole:,.0f} µs CPU per request "
                     f"(before every lever {before:,.0f} µs), view without middleware "
                     f"{bare:,.0f} µs")  # fmt: skip
        for lever in LEVERS:
            value, _status = figures[f"before {lever}"]
            lines.append(f"    lever {lever:<36} {value:6,.0f} → {whole:6,.0f} µs")
        for key, (value, _status) in figures.items():
            if key.startswith("without "):
                name = key.removeprefix("without ").rsplit(".", 1)[-1]
                lines.append(f"    {name:<34} {whole - value:+7,.0f} µs")
    return "\n".join(lines)


def main():
    ablate = os.environ.get("STACK_ABLATE", "0") == "1"
    results = run(ablate=ablate)
    print(table(results), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        child(sys.argv[2:3] == ["1"], profile=(sys.argv[3:4] or [None])[0])
    elif sys.argv[1:2] == ["profile"]:  # python -m benchmarks.stack profile healthz
        run(profile=sys.argv[2])
    else:
        main()
