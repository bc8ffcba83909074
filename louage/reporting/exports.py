"""CSV exports of the report tables, written by the one CSV writer (louage.core.csvfiles:
UTF-8 with a byte-order mark, text that a spreadsheet would run as a formula neutralised).
Money stays in millimes, occupancy a ratio (0–1)."""

from django.utils.translation import gettext_lazy as _

from louage.core.csvfiles import Writer
from louage.core.csvfiles import csv_response as csv_response  # the reports' download

SALES_COLUMNS = [
    ("departures", _("Départs")),
    ("seats_offered", _("Places offertes")),
    ("seats_sold", _("Places vendues")),
    ("occupancy", _("Taux de remplissage")),
    ("revenue", _("Recettes (millimes)")),
    ("cancelled", _("Réservations annulées")),
    ("expired", _("Réservations expirées")),
    ("cancelled_departures", _("Départs annulés")),
]

# name → (report, key in the report, columns); "network" figures are the dashboard's own.
TABLES = {
    "visits": ("visits", "days", [("date", _("Jour")), ("page_views", _("Pages vues")), ("visitors", _("Visiteurs"))]),
    "pages": ("visits", "top_pages", [("page", _("Page (nom)")), ("label", _("Page")), ("page_views", _("Pages vues"))]),
    "sales": ("sales", "days", [("date", _("Jour")), *SALES_COLUMNS]),
    "totals": ("sales", "totals", SALES_COLUMNS),
    "stations": ("sales", "by_station", [("station_id", _("N° station")), ("station", _("Station")), ("city", _("Ville")), *SALES_COLUMNS]),
    "routes": ("sales", "by_route", [("origin_id", _("N° départ")), ("origin", _("Départ")), ("destination_id", _("N° arrivée")), ("destination", _("Arrivée")), *SALES_COLUMNS]),
    "payments": ("sales", "payment_methods", [("method", _("Moyen (code)")), ("label", _("Moyen de paiement")), ("count", _("Paiements")), ("amount", _("Montant net (millimes)")), ("refunded", _("Remboursé (millimes)"))]),
    "hours": ("sales", "hours", [("hour", _("Heure")), ("departures", _("Départs")), ("seats_offered", _("Places offertes")), ("seats_sold", _("Places vendues")), ("occupancy", _("Taux de remplissage"))]),
    "accounts": ("network", "accounts", [("month", _("Mois")), ("client", _("Clients")), ("chief", _("Chefs de station")), ("admin", _("Administrateurs")), ("total", _("Total"))]),
    "cities": ("network", "cities", [("city", _("Ville")), ("stations", _("Stations"))]),
}  # fmt: skip


def tables_of(report):
    return [name for name, (source, _key, _cols) in TABLES.items() if source == report]


def rows_of(data, table):
    _source, key, _columns = TABLES[table]
    rows = data[key]
    return [rows] if isinstance(rows, dict) else rows


def render_csv(data, tables, *, labels=False):
    """The given tables of a report as CSV text: one table alone, or each under a `# name`
    line and separated by a blank line. Headers are field names, or translated labels."""
    writer = Writer()
    for index, table in enumerate(tables):
        columns = TABLES[table][2]
        if len(tables) > 1:
            if index:
                writer.row([])
            writer.row([f"# {table}"])
        writer.row([str(label) if labels else key for key, label in columns])
        for row in rows_of(data, table):
            writer.row([row.get(key, "") for key, _label in columns])
    return writer.text()
