"""The day's cash close: per vehicle, per owner, per departure, online and refunds, adding up
to the payment records to the millime; page, CSV, one-page PDF and API, for the station's
chief and admins only."""

import csv
import io
import re
from datetime import datetime, time, timedelta

import pytest
from django.db.models import Sum
from pypdf import PdfReader

from louage.booking import services as booking
from louage.payments.models import Payment, PaymentStatus
from louage.payments.selectors import cash_close
from louage.queues import services as queues
from louage.trips.selectors import TUNIS
from tests.booking_factories import ReservationFactory
from tests.factories import AdminFactory, ChiefFactory, ClientFactory
from tests.network_factories import TripFactory

pytestmark = pytest.mark.django_db
FARE = 12_750


@pytest.fixture
def morning(monkeypatch):
    """09:00 in Tunis today, moved forward by the test as the day goes."""

    class Clock:
        now = datetime.combine(datetime.now(TUNIS).date(), time(9, 0), tzinfo=TUNIS)

        def __call__(self):
            return self.now

    clock = Clock()
    monkeypatch.setattr("louage.core.clock.now", clock)
    return clock


def pay_online(reservation, at):
    """A sandbox card payment that succeeded, as the provider callback records it."""
    payment = Payment.objects.create(
        reservation=reservation, client=reservation.client, amount=reservation.total_price,
        method="sandbox", status=PaymentStatus.PENDING, idempotency_key=f"t:{reservation.pk}",
        provider_reference=f"ref-{reservation.pk}",
    )  # fmt: skip
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.SUCCEEDED, paid_at=at)
    booking.confirm_reservation(reservation=reservation, payment=payment)
    return payment


@pytest.fixture
def day_of_sales(morning, lined_up, vehicles, chief_user, station, other_station):
    """A morning at the station: walk-ins and desk sales on the queue, an online payment, a
    cash-confirmed hold on a scheduled departure, one refund, and yesterday's sale."""
    queues.count_walk_in(queue=lined_up, seats=5, by=chief_user)
    queues.sell_next_louage(queue=lined_up, seats=2, passenger_name="Ali", by=chief_user)
    online = queues.reserve_next_louage(queue=lined_up, client=ClientFactory(), seats=1)
    pay_online(online, morning.now)
    booking.board_reservation(reservation=online, by=chief_user)
    queues.send_loading(queue=lined_up, by=chief_user)
    refunded = queues.sell_next_louage(
        queue=lined_up, seats=3, passenger_name="Ines", by=chief_user
    )
    morning.now += timedelta(hours=2)
    booking.cancel_reservation(reservation=refunded, by=chief_user)
    scheduled = TripFactory(origin=station, destination=other_station, vehicle=vehicles[3],
                            price=11_000, departure=morning.now + timedelta(hours=3))  # fmt: skip
    hold = booking.reserve_seats(trip=scheduled, client=ClientFactory(), seats=2)
    booking.record_cash_payment(reservation=hold, by=chief_user)
    # Yesterday: paid before today, so not in today's close.
    old = ReservationFactory(trip=scheduled, status="confirmed", seats=1)
    Payment.objects.create(reservation=old, client=old.client, amount=old.total_price, method="cash",
                           status="succeeded", paid_at=morning.now - timedelta(days=1),
                           idempotency_key="old")  # fmt: skip
    return morning.now.date()


def payments_total(station, day):
    start = datetime.combine(day, time.min, tzinfo=TUNIS)
    end = start + timedelta(days=1)
    mine = Payment.objects.filter(reservation__trip__origin=station)
    taken = mine.filter(paid_at__gte=start, paid_at__lt=end).aggregate(s=Sum("amount"))["s"] or 0
    refunded = (
        mine.filter(status="refunded", refunded_at__gte=start, refunded_at__lt=end).aggregate(
            s=Sum("refunded_amount")
        )["s"]
        or 0
    )
    return taken, refunded


def test_the_cash_close_adds_up_to_the_payment_records(day_of_sales, station):
    close = cash_close(station, day_of_sales)
    t = close.totals
    assert t.cash_taken == (5 + 2 + 3) * FARE + 2 * 11_000
    assert t.cash_refunded == 3 * FARE
    assert t.online_taken == FARE
    assert t.online_refunded == 0
    taken, refunded = payments_total(station, day_of_sales)
    assert t.cash_taken + t.online_taken == taken
    assert t.cash_refunded + t.online_refunded == refunded
    assert t.net == taken - refunded
    for part in (close.vehicles, close.owners, close.departures):
        assert sum(line.cash_net for line in part) == t.cash_net
        assert sum(line.online_net for line in part) == t.online_net
        assert sum(line.seats_net for line in part) == t.seats_net
    assert {v.plate: v.cash_net for v in close.vehicles} == {
        "101 TU 1001": 7 * FARE, "102 TU 1002": 0, "104 TU 1004": 22_000,
    }  # fmt: skip
    owners = {o.owner_name: (o.plates, o.net) for o in close.owners}
    assert owners["Ali Ben Salah"] == (["101 TU 1001", "102 TU 1002"], 8 * FARE)
    assert [r.amount for r in close.refunds] == [3 * FARE]
    assert close.online_by_method == {"sandbox": (1, FARE)}


def test_the_chief_reads_the_close_as_json_csv_and_a_one_page_pdf(api, day_of_sales, station):
    chief = api(station.chief)
    url = f"stations/{station.pk}/cash-report"
    body = chief.get(url, {"date": day_of_sales.isoformat()}).json()
    assert body["date"] == day_of_sales.isoformat()
    assert body["totals"]["net"] == (5 + 2 + 1) * FARE + 2 * 11_000
    assert {v["plate"] for v in body["vehicles"]} == {"101 TU 1001", "102 TU 1002", "104 TU 1004"}
    assert body["departures"][0]["departure"].endswith("+01:00")
    response = chief.get(url, {"date": day_of_sales.isoformat(), "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    total = next(r for r in rows if r["section"] == "total")
    assert int(total["net"]) == body["totals"]["net"]
    assert sum(int(r["net"]) for r in rows if r["section"] == "vehicle") == int(total["net"])
    pdf = chief.get(url, {"date": day_of_sales.isoformat(), "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Clôture de caisse" in text and "101 TU 1001" in text and "Ali Ben Salah" in text


def test_a_busy_day_still_fits_one_pdf_page(api, morning, station, other_station, chief_user):
    from tests.network_factories import VehicleFactory

    for n in range(60):
        trip = TripFactory(origin=station, destination=other_station, price=10_000,
                           vehicle=VehicleFactory(station=station, owner_name=f"Owner {n}"),
                           departure=morning.now + timedelta(hours=1, minutes=n))  # fmt: skip
        booking.sell_at_desk(trip=trip, seats=1, passenger_name="X", by=chief_user)
    pdf = api(chief_user).get(f"stations/{station.pk}/cash-report", {"format": "pdf"})
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) == 1
    assert "voir le CSV" in reader.pages[0].extract_text()


def test_only_the_stations_chief_and_admins_read_the_close(api, day_of_sales, station):
    url = f"stations/{station.pk}/cash-report"
    assert api(AdminFactory()).get(url).status_code == 200
    assert api(ChiefFactory()).get(url).status_code == 404
    assert api(ClientFactory()).get(url).status_code == 403
    assert api().get(url).status_code == 401
    assert api(AdminFactory()).get("stations/999999/cash-report").status_code == 404
    assert api(station.chief).get(url, {"date": "2024-13-01"}).status_code == 422


def test_the_cash_close_page_csv_and_pdf_on_the_web(web, day_of_sales, station):
    web.force_login(station.chief)
    page = web.get("/guichet/caisse/", {"date": day_of_sales.isoformat()})
    assert page.status_code == 200
    html = page.content.decode()
    assert "101 TU 1001" in html and "Ali Ben Salah" in html
    assert page.context["close"].totals.net == (5 + 2 + 1) * FARE + 2 * 11_000
    csv_file = web.get("/guichet/caisse/", {"date": day_of_sales.isoformat(), "format": "csv"})
    assert csv_file["Content-Disposition"].endswith('.csv"')
    pdf = web.get("/guichet/caisse/", {"date": day_of_sales.isoformat(), "format": "pdf"})
    assert pdf.content[:4] == b"%PDF"
    assert web.get("/guichet/caisse/", {"date": "nope"}).status_code == 400


def test_an_admin_picks_the_station_and_others_are_kept_out(web, day_of_sales, station):
    web.force_login(AdminFactory())
    assert web.get("/guichet/caisse/").context["close"] is None
    page = web.get("/guichet/caisse/", {"station": station.pk})
    assert page.context["close"].station == station
    web.force_login(ClientFactory())
    assert web.get("/guichet/caisse/").status_code == 403


def test_owner_names_never_run_as_spreadsheet_formulas(
    api, morning, station, other_station, chief_user
):
    from tests.network_factories import VehicleFactory

    vehicle = VehicleFactory(station=station, owner_name='=HYPERLINK("http://x")')
    trip = TripFactory(origin=station, destination=other_station, vehicle=vehicle,
                       departure=morning.now + timedelta(hours=2))  # fmt: skip
    booking.sell_at_desk(trip=trip, seats=1, passenger_name="X", by=chief_user)
    text = (
        api(chief_user)
        .get(f"stations/{station.pk}/cash-report", {"format": "csv"})
        .content.decode()
    )
    assert "'=HYPERLINK" in text


def test_the_date_field_shows_the_day_the_page_shows(web, station):
    from louage.core.times import local_today

    web.force_login(station.chief)
    html = web.get("/guichet/caisse/").content.decode()
    assert f'value="{local_today().isoformat()}"' in html


def test_the_vehicle_table_and_the_csv_have_the_same_columns_and_sums(web, day_of_sales, station):
    web.force_login(station.chief)
    day = {"date": day_of_sales.isoformat()}
    page = web.get("/guichet/caisse/", day)
    close = page.context["close"]
    html = page.content.decode()
    head = html.split('data-testid="vehicle-rows"')[0].rsplit("<thead>", 1)[1]
    headers = re.findall(r"<th>([^<]+)</th>", head)
    assert "Espèces remboursées" in headers and "En ligne remboursé" in headers
    response = web.get("/guichet/caisse/", {**day, "format": "csv"})
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    # The page's file speaks the page's language, as the report exports do.
    assert header[:3] == ["Partie", "Véhicule", "Propriétaire ou réf."]
    assert "Espèces remboursées (millimes)" in header and "Net (millimes)" in header
    vehicles = [r for r in rows[1:] if r[0] == "Véhicule"]
    assert len(vehicles) == len(close.vehicles)
    for line in close.vehicles:
        row = next(r for r in vehicles if r[1] == line.plate)
        figures = [int(x) for x in row[5:]]
        assert figures == [line.seats_sold, line.seats_refunded, line.cash_taken,
                           line.cash_refunded, line.online_taken, line.online_refunded, line.net]  # fmt: skip
        cells = html.split(f'data-plate="{line.plate}"', 1)[1].split("</tr>", 1)[0]
        assert len(re.findall(r"<td", cells)) == 1 + len(figures)
    total = next(r for r in rows if r[0] == "Total")
    assert int(total[-1]) == close.totals.net == sum(int(r[-1]) for r in vehicles)
    foot = html.split('data-testid="vehicle-totals"', 1)[1].split("</tr>", 1)[0]
    assert str(close.totals.seats_refunded) in foot


def test_the_cash_close_csv_is_in_the_pages_language(web, day_of_sales, station, settings):
    web.force_login(station.chief)
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = web.get("/guichet/caisse/", {"date": day_of_sales.isoformat(), "format": "csv"})
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert "Cash refunded (millimes)" in header
