"""Every email the journeys send, read from a real SMTP server, sent by the processes of
`make run` (louage.core.start: the web server, the task worker, the sweeper, the relay): each has
HTML and text parts in its reader's language, and each link of both parts answers 200 on the
running site — the worker's links included, though honcho gives the worker a PORT of its own."""

import json
import re
import time

import httpx
import pytest

from louage.payments.providers.sandbox import APPROVED_CARD
from tests.opendata.conftest import read_feed
from tests.support.mail import SMTPServer, assert_in_language, links
from tests.support.servers import ProcfileApp, manage
from tests.support.web import WebSession, api_call

pytestmark = pytest.mark.live

PASSWORD = "Louage-Route-2026!"

SETUP = """
import json
from datetime import timedelta
from allauth.account.models import EmailAddress
from louage.accounts.models import User
from louage.core import clock
from louage.stations.models import Station, Vehicle
from louage.trips.models import Trip

def person(email, language, role="client", first_name="Test"):
    user = User.objects.create_user(email=email, password=PASSWORD, role=role,
        first_name=first_name, last_name="Louage", phone="+21698123456", language=language)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user

chief = person("chef@example.tn", "fr", role="chief", first_name="Hédi")
tunis = Station.objects.create(name="Tunis Moncef Bey", city="Tunis", chief=chief,
    phone="+21671334455", address="Moncef Bey", latitude=36.79, longitude=10.18)
sousse = Station.objects.create(name="Sousse Centre", city="Sousse", phone="+21673000000",
    address="Centre", latitude=35.82, longitude=10.60)
trips = []
for n, plate in enumerate(["123 TU 4567", "124 TU 4568"]):
    vehicle = Vehicle.objects.create(plate=plate, owner_name="Ali", owner_phone="+21698000000",
        station=tunis, seats=8)
    trips.append(Trip.objects.create(origin=tunis, destination=sousse, vehicle=vehicle,
        departure=clock.now() + timedelta(days=1, hours=n), price=12500, seats_total=8,
        seats_available=8))
people = {"ar": person("amira@example.tn", "ar", first_name="Amira").email,
          "en": person("john@example.tn", "en", first_name="John").email,
          "fr": person("farah@example.tn", "fr", first_name="Farah").email,
          "mover": person("lina@example.tn", "ar", first_name="Lina").email}
print(json.dumps({"trips": [t.pk for t in trips], "people": people}))
""".replace("=PASSWORD,", f"={PASSWORD!r},")

# A hold made five minutes ago that runs out in two: the sweeper reminds its traveller.
OLD_HOLD = """
import json
from datetime import timedelta
from louage.accounts.models import User
from louage.booking.models import Reservation
from louage.booking.services import reserve_seats
from louage.core import clock
from louage.trips.models import Trip
reservation = reserve_seats(trip=Trip.objects.get(pk=%(trip)s),
    client=User.objects.get(email=%(email)r), seats=1)
Reservation.objects.filter(pk=reservation.pk).update(
    created_at=clock.now() - timedelta(minutes=5), expires_at=clock.now() + timedelta(minutes=2))
print(json.dumps({"id": reservation.pk}))
"""


def shell_json(app, code):
    return json.loads(manage(app.env, "shell", "-c", code).strip().splitlines()[-1])


@pytest.fixture(scope="module")
def smtp():
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def app(_live_factory, smtp):
    url, workdir = _live_factory.database("sqlite")
    app = ProcfileApp(
        database_url=url, workdir=workdir, workers=2,
        env={"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": smtp.port, "GTFS_REBUILD_DELAY_SECONDS": 1},
    )  # fmt: skip
    app.data = shell_json(app, SETUP)
    app.start()
    yield app
    app.stop()


def token(app, email):
    status, body = api_call(app.url, "POST", "/api/v1/auth/token",
                            payload={"email": email, "password": PASSWORD})  # fmt: skip
    assert status == 200, body
    return body["access"]


def pay(app, browser, access, trip_id):
    """Hold a seat (API), then pay on the sandbox gateway's page (browser) → reservation id."""
    status, reservation = api_call(app.url, "POST", "/api/v1/reservations", access,
                                   {"trip_id": trip_id, "seats": 1})  # fmt: skip
    assert status == 201, reservation
    status, started = api_call(app.url, "POST",
                               f"/api/v1/reservations/{reservation['id']}/payments", access)  # fmt: skip
    assert status == 201, started
    page = re.sub(r"^https?://[^/]+", "", started["redirect_url"])
    paid = browser.post(page, {"number": APPROVED_CARD, "expiry": "12/30", "cvc": "123"})
    assert paid.status_code == 302, paid.text[-1500:]
    return reservation["id"]


def visiting_in(app, language):
    """A visitor who picked `language` with the site's language menu."""
    visitor = WebSession(app.url)
    assert visitor.post("/i18n/setlang/", {"language": language, "next": "/"}).status_code == 302
    return visitor


def to(address, words=""):
    return lambda m: address in str(m["To"]) and words in str(m["Subject"])


def assert_answers_200(app, session, url):
    """The link is the site's, and after its redirects it lands on a page of the site that
    answers 200 (not an error page)."""
    assert url == app.url or url.startswith(app.url + "/"), url
    response = session.get(url.removeprefix(app.url) or "/", follow_redirects=True)
    assert response.status_code == 200, (url, response.status_code, response.text[-800:])
    assert str(response.url).startswith(app.url), (url, response.url)
    assert "errors/" not in response.text and "Page introuvable" not in response.text


def test_every_email_of_the_journeys_is_in_its_readers_language_and_every_link_answers(app, smtp):
    data, people = app.data, app.data["people"]
    language_of = {email: language for language, email in people.items()}
    language_of.update({people["mover"]: "ar", "lina.new@example.tn": "ar",
                        "nadia@example.tn": "en", "nobody@example.tn": "en"})  # fmt: skip
    sessions = {email: WebSession(app.url).login(email, PASSWORD) for email in people.values()}
    chief = token(app, "chef@example.tn")
    trip, other_trip = data["trips"]

    # Sign-up on English pages: the activation link.
    visitor = visiting_in(app, "en")
    visitor.post("/accounts/signup/", {"email": "nadia@example.tn", "first_name": "Nadia",
                                       "last_name": "Trabelsi", "phone": "22 333 444",
                                       "password1": PASSWORD})  # fmt: skip
    # Sign-up again with an address that has an account: its (Arabic) owner is told.
    visiting_in(app, "en").post("/accounts/signup/", {
        "email": people["ar"], "first_name": "X", "last_name": "Y", "phone": "22 333 445",
        "password1": PASSWORD})  # fmt: skip
    # A reset for an address without an account (English pages): an offer to sign up.
    visiting_in(app, "en").post("/accounts/password/reset/", {"email": "nobody@example.tn"})
    # A password reset from English pages for the French account: French.
    visiting_in(app, "en").post("/accounts/password/reset/", {"email": people["fr"]})

    # An address change (Arabic account): the confirmation to the new address; once confirmed,
    # the notice to the old one with its undo link.
    mover = sessions[people["mover"]]
    changed = mover.post("/compte/email/", {"email": "lina.new@example.tn", "password": PASSWORD})
    assert changed.status_code == 302, changed.text[-1500:]
    confirmation = smtp.wait_for(to("lina.new@example.tn"))
    [confirm_url] = [url for url in links(confirmation) if "/confirm-email/" in url]
    assert mover.post(confirm_url.removeprefix(app.url)).status_code == 302
    smtp.wait_for(to(people["mover"]))
    sessions["lina.new@example.tn"] = mover

    # Paid (with the PDF ticket), then a notice from the chief, a hold reminder, a cancellation
    # with refund by the traveller, and a departure cancelled by the chief with refund.
    arabic = sessions[people["ar"]]
    reservation = pay(app, arabic, token(app, people["ar"]), trip)
    hold = shell_json(app, OLD_HOLD % {"trip": trip, "email": people["fr"]})
    status, _ = api_call(app.url, "POST", "/api/v1/notices", chief,
                         {"trip_ids": [trip], "text": "Départ depuis le quai 3."})  # fmt: skip
    assert status in (200, 201), _
    english_access = token(app, people["en"])
    pay(app, sessions[people["en"]], english_access, other_trip)
    status, body = api_call(app.url, "POST", f"/api/v1/reservations/{reservation}/cancel",
                            token(app, people["ar"]))  # fmt: skip
    assert status == 200, body
    status, body = api_call(app.url, "POST", f"/api/v1/trips/{other_trip}/cancel", chief)
    assert status == 200, body

    # What each reader gets, in order: (recipient, how many emails at least).
    # ar: already-exists, paid, notice, cancelled; en: paid, departure cancelled; fr: reset,
    # notice, reminder; and Nadia's activation, nobody's offer, Lina's two.
    wanted = {people["ar"]: 4, people["en"]: 2, people["fr"]: 3}
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        got = {a: sum(a in str(m["To"]) for m in smtp.messages) for a in wanted}
        if all(got[a] >= n for a, n in wanted.items()) and len(smtp.messages) >= 13:
            break
        time.sleep(0.5)
    messages = smtp.messages
    subjects = [(str(m["To"]), str(m["Subject"])) for m in messages]
    assert len(messages) >= 13, subjects
    assert hold["id"]

    followed = 0
    for message in messages:
        recipient = str(message["To"])
        assert_in_language(message, language_of[recipient])
        session = sessions.get(recipient, visitor)
        if any("/password/reset/key/" in url for url in links(message)):
            session = WebSession(app.url)  # a reset link is opened logged out
        assert links(message), str(message["Subject"])
        for url in links(message):
            assert_answers_200(app, session, url)
            followed += 1
    assert followed >= 2 * len(messages)  # a link to the reservation/action and the site's own
    paths = " ".join(url for m in messages for url in links(m))
    for path in ("/accounts/confirm-email/", "/accounts/password/reset/key/", "/accounts/signup/",
                 "/compte/email/retablir/", f"/reservations/{reservation}/"):  # fmt: skip
        assert path in paths, (path, subjects)


def test_the_worker_builds_the_gtfs_feed_with_the_webs_address(app):
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        response = httpx.get(app.url + "/gtfs.zip", timeout=10)
        if response.status_code == 200:
            break
        time.sleep(1)
    assert response.status_code == 200, response.status_code
    [agency] = read_feed(response.content)["agency.txt"]
    assert agency["agency_url"] == app.url + "/"
