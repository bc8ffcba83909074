from datetime import date

from django.http import Http404
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import get_language

from louage.accounts.models import Role
from louage.core.decorators import role_required
from louage.core.errors import NotAllowed
from louage.core.templatetags.money import money_unit

from . import access, charts, selectors
from .exports import TABLES, csv_response, render_csv
from .forms import ReportFilterForm

INTL_LOCALES = {"fr": "fr-TN", "ar": "ar-TN", "en": "en-GB"}


def _scope(request):
    """(form, period, station id or None, network figures shown?) for this user's request."""
    is_admin = request.user.role == Role.ADMIN
    stations = selectors.station_choices() if is_admin else None
    form = ReportFilterForm(request.GET or None, stations=stations)
    period = form.report_period()
    station_id = access.sales_scope(request.user, form.station_id())
    return form, period, station_id, is_admin and station_id is None


def _network(period):
    accounts = selectors.accounts_by_month(period)
    for row in accounts:
        year, month = map(int, row["month"].split("-"))
        row["label"] = date_format(date(year, month, 1), "M Y")
    return {
        "visits": selectors.visits_report(period),
        "accounts": accounts,
        "cities": selectors.stations_by_city(),
    }


@role_required(Role.ADMIN, Role.CHIEF)
def dashboard(request):
    """The figures of the network (admins) or of the chief's station, each chart with its
    table, for a period of Africa/Tunis days."""
    try:
        form, period, station_id, network = _scope(request)
    except NotAllowed as exc:
        return render(request, "reporting/no_station.html", {"message": exc.message}, status=403)
    sales = selectors.sales_report(period, station_id)
    specs = charts.sales_charts(sales)
    context = {
        "form": form,
        "period": period,
        "station": selectors.describe_station(station_id) if station_id else None,
        "sales": sales,
        "routes": charts.route_rows(sales),
        "network": None,
        "query": urlencode({**period.query(), **({"station": station_id} if station_id else {})}),
    }
    if network:
        context["network"] = _network(period)
        specs.update(
            charts.network_charts(
                context["network"]["visits"],
                context["network"]["accounts"],
                context["network"]["cities"],
            )
        )
    context["chart_data"] = {
        "locale": INTL_LOCALES.get(get_language(), "fr-TN"),
        "money_unit": money_unit(),
        "charts": specs,
    }
    return render(request, "reporting/dashboard.html", context)


@role_required(Role.ADMIN, Role.CHIEF)
def export(request, table):
    """One table of the dashboard as CSV, headers in the page's language."""
    if table not in TABLES:
        raise Http404
    try:
        _form, period, station_id, network = _scope(request)
    except NotAllowed as exc:
        return render(request, "reporting/no_station.html", {"message": exc.message}, status=403)
    source = TABLES[table][0]
    if source == "sales":
        data = selectors.sales_report(period, station_id)
    elif network and source == "visits":
        data = selectors.visits_report(period)
    elif network and source == "network":
        data = {
            "accounts": selectors.accounts_by_month(period),
            "cities": selectors.stations_by_city(),
        }
    else:
        raise Http404
    suffix = f"-station-{station_id}" if station_id else ""
    filename = f"{table}{suffix}-{period.first}-{period.last}.csv"
    return csv_response(render_csv(data, [table], labels=True), filename)
