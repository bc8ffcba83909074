"""Threat: SQL injection — input that reaches the database as SQL (search filters, login
email, booking ids) reads, changes or slows down data it should not.

Attack: classic payloads through every text filter of the API and the web search (they are
query parameters: the ORM binds them, strict types refuse them in JSON bodies); then sqlmap
(Debian's package) against a live server — the departure search, the web login form, the
API token endpoint and seat booking — with boolean, error, union, stacked and time-based
techniques: it must find nothing. No raw SQL in the code takes a caller's text.
"""

import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from louage.trips.models import Trip
from tests.support.system import missing_system_package

PAYLOADS = [
    "' OR '1'='1",
    "Tunis' OR 1=1 --",
    '" OR ""="',
    "1; DROP TABLE trips_trip; --",
    "1 UNION SELECT email, password FROM accounts_user --",
    "Tunis'); SELECT pg_sleep(5); --",
    "%' AND 1=0 UNION ALL SELECT NULL --",
]


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS)
def test_search_filters_take_sql_as_plain_text(api, client, trip, admin_user, payload):
    assert api().get("trips", {"origin": payload})["Content-Type"].startswith("application/json")
    assert api().get("trips", {"origin": payload}).json()["count"] == 0
    assert api().get("places", {"q": payload}).status_code == 200
    assert api().get("stations", {"q": payload}).json()["count"] == 0
    assert api().get("fares", {"origin_city": payload}).json()["items"] == []
    assert api(admin_user).get("users", {"q": payload}).json()["count"] == 0
    assert client.get("/departs/", {"origin": payload, "destination": payload}).status_code == 200
    assert Trip.objects.filter(pk=trip.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS)
def test_json_fields_refuse_sql_where_a_number_belongs(api, client_user, trip, payload):
    response = api(client_user).post("reservations", {"trip_id": payload, "seats": 1})
    assert response.status_code == 422
    login = api().post("auth/token", {"email": payload, "password": payload})
    assert login.status_code == 401


def test_no_raw_sql_takes_a_callers_text():
    root = Path(__file__).resolve().parents[2] / "louage"
    # Text formatted into the SQL itself (f-string, .format, `"…" % x`); a parameterised
    # statement ("… %s", [value]) is what every query should be.
    suspicious = re.compile(
        r"\.(raw|extra)\(|cursor\.execute\((f[\"']|[^)]*[\"']\s*%|[^)]*\.format\()"
    )
    for bad in (
        'cursor.execute(f"SELECT {name}")',
        "cursor.execute('SELECT %s' % name)",
        'cursor.execute("SELECT {}".format(name))',
        "Trip.objects.raw(sql)",
    ):
        assert suspicious.search(bad), bad
    assert not suspicious.search('cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])')
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.py")
        if "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if suspicious.search(line)
    ]
    assert offenders == []


# --- sqlmap against a live server -----------------------------------------------------------

SETUP = """
import json
from louage.accounts.sessions import tokens_for
from tests.factories import ClientFactory, PASSWORD
from tests.network_factories import StationFactory, TripFactory, VehicleFactory
origin = StationFactory(city="Tunis", name="Tunis Bab Saadoun")
destination = StationFactory(city="Sousse", name="Sousse Nord", latitude=35.8, longitude=10.6)
trip = TripFactory(origin=origin, destination=destination,
                   vehicle=VehicleFactory(station=origin, plate="321 TU 123"))
client = ClientFactory(email="sqlmap.client@example.tn")
print(json.dumps({"trip": trip.pk, "token": tokens_for(client)["access"],
                  "email": client.email, "password": PASSWORD}))
"""
# Limits off (sqlmap sends about 800 requests per target) and MD5 instead of Argon2 (each
# failed login would otherwise cost a third of a second of CPU): the SQL paths are production's.
UNLIMITED = {
    "DJANGO_SETTINGS_MODULE": "tests.support.settings_fast_hashing",
    "RATE_API_ANONYMOUS": "1000000/m",
    "RATE_API_TOKEN": "1000000/m",
    "RATE_API_BOOKING": "1000000/m",
    "RATE_LOGIN_FAILED": "1000000/m/ip,1000000/m/key",
    "RATE_LOGIN": "1000000/m/ip",
    "MAX_PENDING_HOLDS": "1000000",
    "MAX_HELD_SEATS": "1000000",
    "HOLD_COOLDOWN_AFTER_EXPIRED": "1000000",
}


def sqlmap(tmp_path, name, *args):
    """sqlmap's detection phase (boolean, error, union, stacked, time-based; level 2 adds the
    Cookie header) on every parameter of one request; its whole output, kept beside the test."""
    out = tmp_path / name
    result = subprocess.run(
        ["sqlmap", "--batch", "--level=2", "--risk=1", "--technique=BEUST", "--time-sec=2",
         "--flush-session", f"--output-dir={out}", "--disable-coloring", *args],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    report = result.stdout + result.stderr
    (tmp_path / f"{name}.txt").write_text(report)
    return report


def assert_nothing_found(report, target, parameters):
    """sqlmap says so parameter by parameter: each one was tried and none gave way."""
    assert "identified the following injection point" not in report, report[-4000:]
    assert "is vulnerable" not in report and "CRITICAL" not in report, report[-4000:]
    assert "all tested parameters do not appear to be injectable" in report, report[-4000:]
    tried = set(re.findall(r"parameter '(?:JSON )?([^']+)' does not seem to be injectable", report))
    assert tried == set(parameters), (target, tried, report[-3000:])
    answers = re.search(r"HTTP error codes detected during run:\s*\n(.*)", report)
    return tried, answers.group(1).strip() if answers else "no error status"


@pytest.mark.live
def test_sqlmap_finds_nothing_in_search_login_token_and_booking(live_app, tmp_path):
    if shutil.which("sqlmap") is None:
        missing_system_package("sqlmap")
    server = live_app("sqlite", workers=3, env=UNLIMITED)
    world = server.shell_json(SETUP)
    api = f"{server.url}/api/v1"
    json_body = "Content-Type: application/json"
    # --data makes a POST; no --method: sqlmap would then also POST its anti-CSRF page fetch.
    targets = {
        "search": (
            ["-u", f"{api}/trips?origin=Tunis&destination=Sousse&seats=1"],
            {"origin", "destination", "seats"},
        ),
        "web-search": (
            ["-u", f"{server.url}/departs/?origin=Tunis&destination=Sousse"],
            {"origin", "destination"},
        ),
        "token": (
            ["-u", f"{api}/auth/token", "--headers", json_body, "--ignore-code=401",
             "--data", f'{{"email": "{world["email"]}", "password": "wrong-password"}}'],
            {"email", "password"},
        ),
        "login": (
            ["-u", f"{server.url}/accounts/login/", "--csrf-token=csrfmiddlewaretoken",
             f"--csrf-url={server.url}/accounts/login/",
             "--data", f"login={world['email']}&password=wrong-password&csrfmiddlewaretoken=x"],
            {"login", "password"},
        ),
        "booking": (
            ["-u", f"{api}/reservations",
             "--headers", f"{json_body}\nAuthorization: Bearer {world['token']}",
             "--data", f'{{"trip_id": {world["trip"]}, "seats": 1}}'],
            {"trip_id", "seats"},
        ),
    }  # fmt: skip
    summary = {}
    for name, (args, parameters) in targets.items():
        report = sqlmap(tmp_path, name, *args)
        tried, answers = assert_nothing_found(report, name, parameters)
        # Refusals must be the application's answers, not a limit or a crash standing in.
        assert not re.search(r"\b(429|500|502|503)\b \(", report), (name, report[-2000:])
        summary[name] = f"{', '.join(sorted(tried))} not injectable; refusals: {answers}"
    print("\nsqlmap, nothing injectable:", *(f"{k}: {v}" for k, v in summary.items()), sep="\n  ")
    assert httpx.get(f"{server.url}/readyz", timeout=10).status_code == 200
    assert "Traceback" not in server.log.read_text()
