from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from louage.accounts.models import Role
from louage.core.decorators import role_required
from louage.core.errors import DomainError
from louage.core.forms import apply_domain_error
from louage.core.offline import offline_copy
from louage.core.pagination import paginate_request
from louage.core.times import local_date
from louage.trips.selectors import upcoming_from_station

from . import selectors, services
from .forms import StationFilterForm, StationForm, VehicleForm
from .models import Station


@login_not_required
def station_list(request):
    filters = StationFilterForm(request.GET or None)
    query = city = ""
    if filters.is_valid():
        query, city = filters.cleaned_data["q"], filters.cleaned_data["city"]
    include_inactive = request.user.is_authenticated and request.user.role == Role.ADMIN
    stations = selectors.search_stations(query=query, city=city, include_inactive=include_inactive)
    page, querystring = paginate_request(request, stations)
    return render(
        request,
        "stations/station_list.html",
        {
            "filters": filters,
            "page": page,
            "querystring": querystring,
            # The map shows every station the filters match, not only this page's.
            "map_points": selectors.map_points(stations[:500]),
        },
    )


@login_not_required
def station_detail(request, station_id):
    station = get_object_or_404(Station.objects.select_related("chief"), pk=station_id)
    departures = upcoming_from_station(station, limit=10)
    return render(
        request,
        "stations/station_detail.html",
        {
            "station": station,
            "departures": departures,
            "map_points": selectors.map_points([station]),
        },
    )


@offline_copy()
@login_not_required
def station_board(request, station_id):
    """The departures board for the screen in the station hall; the list refreshes itself."""
    station = get_object_or_404(Station, pk=station_id)
    departures = list(upcoming_from_station(station, limit=15))
    # One block per Tunis day, so tomorrow's 06:30 never reads as if it followed today's 16:45.
    days = [
        {"day": day, "departures": list(trips)}
        for day, trips in groupby(departures, key=lambda trip: local_date(trip.departure))
    ]
    template = "stations/_board_rows.html" if request.htmx else "stations/board.html"
    context = {
        "station": station,
        "departures": departures,
        "days": days,
        # The screen in the station hall: no navigation, large type, a clock; it pages
        # through a board taller than the screen every `every` seconds.
        "kiosk": request.GET.get("kiosk") == "1",
        "page_seconds": _page_seconds(request.GET.get("every", "")),
    }
    return render(request, template, context)


KIOSK_PAGE_SECONDS = 12


def _page_seconds(raw):
    return min(max(int(raw), 3), 120) if raw.isdigit() and len(raw) < 4 else KIOSK_PAGE_SECONDS


@role_required(Role.ADMIN)
def station_form(request, station_id=None):
    station = get_object_or_404(Station, pk=station_id) if station_id else None
    initial = {}
    if station:
        initial = {
            f: getattr(station, f)
            for f in (
                "name", "name_ar", "city", "phone", "address", "latitude", "longitude", "chief_id",
            )
        }  # fmt: skip
    form = StationForm(request.POST or None, initial=initial, station=station)
    if request.method == "POST" and form.is_valid():
        try:
            if station:
                station = services.update_station(
                    station=station, by=request.user, **form.cleaned_data
                )
            else:
                station = services.create_station(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request, _("Station « %(name)s » enregistrée.") % {"name": station.name}
            )
            return redirect("stations:detail", station.pk)
    return render(
        request,
        "stations/station_form.html",
        {
            "form": form,
            "station": station,
            # The other stations, for reference while placing this one.
            "map_points": selectors.map_points(
                Station.objects.exclude(pk=station.pk if station else None)[:500]
            ),
        },
    )


@role_required(Role.ADMIN)
@require_POST
def station_delete(request, station_id):
    station = get_object_or_404(Station, pk=station_id)
    try:
        services.delete_station(station=station, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("stations:detail", station.pk)
    messages.success(request, _("Station supprimée."))
    return redirect("stations:list")


@role_required(Role.ADMIN)
@require_POST
def station_toggle(request, station_id):
    station = get_object_or_404(Station, pk=station_id)
    services.set_station_active(station=station, active=not station.is_active, by=request.user)
    messages.success(
        request, _("Station activée.") if station.is_active else _("Station désactivée.")
    )
    return redirect("stations:detail", station.pk)


@role_required(Role.ADMIN, Role.CHIEF)
def vehicle_list(request):
    vehicles = selectors.vehicles_for_user(request.user)
    page, querystring = paginate_request(request, vehicles)
    station = services.station_of(request.user)
    return render(
        request,
        "stations/vehicle_list.html",
        {"page": page, "querystring": querystring, "station": station},
    )


@role_required(Role.ADMIN, Role.CHIEF)
def vehicle_form(request, vehicle_id=None):
    vehicle = None
    if vehicle_id:
        vehicle = get_object_or_404(selectors.vehicles_for_user(request.user), pk=vehicle_id)
    initial = (
        {f: getattr(vehicle, f) for f in ("plate", "owner_name", "owner_phone", "seats", "active")}
        if vehicle
        else {}
    )
    choose_station = vehicle is None and request.user.role == Role.ADMIN
    form = VehicleForm(request.POST or None, initial=initial, choose_station=choose_station)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if vehicle:
                services.update_vehicle(vehicle=vehicle, by=request.user, **data)
            else:
                services.create_vehicle(by=request.user, station=data.pop("station", None), **data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Véhicule enregistré."))
            return redirect("stations:vehicles")
    return render(request, "stations/vehicle_form.html", {"form": form, "vehicle": vehicle})


@role_required(Role.ADMIN, Role.CHIEF)
@require_POST
def vehicle_remove(request, vehicle_id):
    vehicle = get_object_or_404(selectors.vehicles_for_user(request.user), pk=vehicle_id)
    result = services.remove_vehicle(vehicle=vehicle, by=request.user)
    if result == "deleted":
        messages.success(request, _("Véhicule supprimé."))
    else:
        messages.info(request, _("Ce véhicule a déjà servi : il a été mis hors service."))
    return redirect("stations:vehicles")
