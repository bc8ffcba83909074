from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from louage.accounts.models import Role
from louage.core.decorators import role_required
from louage.core.errors import DomainError
from louage.core.forms import apply_domain_error
from louage.core.net import redirect_back
from louage.core.offline import offline_copy
from louage.core.pagination import paginate_request
from louage.core.times import local, local_today
from louage.stations.cities import CITIES
from louage.stations.services import station_of

from . import selectors, services
from .forms import (
    FareFilterForm,
    FareForm,
    SearchForm,
    TripFilterForm,
    TripForm,
    _station_or_none,
    vehicle_choices,
)
from .models import Fare


@offline_copy(key="/departs/")
@login_not_required
def search(request):
    """Search page; htmx requests get only the results, so typing updates them in place. The
    date starts at today; a search that finds nothing offers the next dates on the route,
    the other stations of the cities named and close names for an unknown place."""
    today = local_today()
    data = None
    if request.GET:
        data = request.GET.copy()
        if not data.get("date"):
            data["date"] = today.isoformat()
        # A search is for at least one seat: the field shows 1, never blank.
        if not data.get("seats"):
            data["seats"] = "1"
    form = SearchForm(data, initial={"date": today})
    page = alternatives = None
    querystring = ""
    if form.is_valid():
        criteria = {
            "origin": form.cleaned_data["origin"],
            "destination": form.cleaned_data["destination"],
            "day": form.cleaned_data["date"],
            "seats": form.cleaned_data["seats"] or 1,
        }
        page, querystring = paginate_request(request, selectors.search_trips(**criteria))
        if not page.paginator.count and (criteria["origin"] or criteria["destination"]):
            alternatives = selectors.search_alternatives(**criteria)
    context = {
        "form": form,
        "page": page,
        "querystring": querystring,
        "alternatives": alternatives,
        "criteria": form.cleaned_data if form.is_bound and form.is_valid() else {},
        "today": today,
    }
    template = "trips/_results.html" if request.htmx else "trips/search.html"
    return render(request, template, context)


@login_not_required
def trip_detail(request, trip_id):
    trip = selectors.public_trip(trip_id)
    if trip is None:
        raise Http404
    return render(request, "trips/trip_detail.html", {"trip": trip})


def _origin_for(user):
    if user.role == Role.CHIEF:
        origin = station_of(user)
        if origin is None:
            raise Http404
        return origin
    return None


@role_required(Role.ADMIN, Role.CHIEF)
def trip_list(request):
    """The coming departures by default, soonest first; a day, the past or everything."""
    filters = TripFilterForm(request.GET or None)
    day = destination = status = None
    when = "coming"
    if filters.is_valid():
        day, destination, status = (
            filters.cleaned_data[k] for k in ("date", "destination", "status")
        )
        when = filters.cleaned_data["when"] or "coming"
    trips = selectors.trips_for_user(
        request.user, day=day, destination=destination, status=status or None, when=when
    )
    page, querystring = paginate_request(request, trips)
    return render(
        request,
        "trips/trip_list.html",
        {
            "filters": filters,
            "page": page,
            "querystring": querystring,
            "station": station_of(request.user),
            "when": when,
            "day": day,
        },
    )


def _price_dt(millimes):
    return f"{millimes / 1000:.3f}" if millimes else None


@role_required(Role.ADMIN, Role.CHIEF)
def trip_create(request):
    """A chief plans from its own station; an admin chooses the origin. The date starts at
    today; the price at the route's usual price once the destination is known."""
    origin = _origin_for(request.user)
    initial = {"date": local_today()}
    for name in ("origin_id", "destination_id"):
        if request.GET.get(name, "").isdigit():
            initial[name] = int(request.GET[name])
    route_origin = origin or _station_or_none(initial.get("origin_id"))
    destination = _station_or_none(initial.get("destination_id"))
    price = selectors.suggested_price(origin=route_origin, destination=destination)
    if price:
        initial["price_dt"] = _price_dt(price)
    form = TripForm(request.POST or None, origin=origin, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            trip = services.plan_trip(by=request.user, **form.service_data())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Départ programmé."))
            return redirect("trips:detail", trip.pk)
    return render(request, "trips/trip_form.html", {"form": form, "origin": origin})


@role_required(Role.ADMIN, Role.CHIEF)
def trip_form_options(request):
    """For the planning form (trip-form.js): the vehicles of the origin and the price a
    departure on the route starts at."""
    origin = _origin_for(request.user) or _station_or_none(request.GET.get("origin_id"))
    destination = _station_or_none(request.GET.get("destination_id"))
    vehicles = origin.vehicles.filter(active=True).order_by("plate") if origin else []
    price = selectors.suggested_price(origin=origin, destination=destination)
    return JsonResponse(
        {
            "vehicles": [
                {"id": pk, "label": str(label)} for pk, label in vehicle_choices(vehicles)
            ],
            "price": price,
            "price_dt": _price_dt(price),
        }
    )


@role_required(Role.ADMIN, Role.CHIEF)
def trip_edit(request, trip_id):
    trip = get_object_or_404(selectors.trips_for_user(request.user), pk=trip_id)
    departure = local(trip.departure)
    initial = {
        "destination_id": trip.destination_id,
        "vehicle_id": trip.vehicle_id,
        "date": departure.date(),
        "time": departure.time().replace(second=0, microsecond=0),
        "price_dt": _price_dt(trip.price),
        "seats_total": trip.seats_total,
    }
    form = TripForm(request.POST or None, origin=trip.origin, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_trip(trip=trip, by=request.user, **form.service_data())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Départ modifié."))
            return redirect("trips:detail", trip.pk)
    return render(
        request, "trips/trip_form.html", {"form": form, "origin": trip.origin, "trip": trip}
    )


@role_required(Role.ADMIN, Role.CHIEF)
@require_POST
def trip_cancel(request, trip_id):
    trip = get_object_or_404(selectors.trips_for_user(request.user), pk=trip_id)
    try:
        services.cancel_trip(trip=trip, by=request.user, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Départ annulé ; ses voyageurs sont prévenus et remboursés."))
    return redirect_back(request, "trips:detail", trip.pk)


@role_required(Role.ADMIN, Role.CHIEF)
@require_POST
def trip_departed(request, trip_id):
    trip = get_object_or_404(selectors.trips_for_user(request.user), pk=trip_id)
    try:
        services.mark_departed(trip=trip, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Départ marqué comme parti."))
    return redirect("trips:detail", trip.pk)


@login_not_required
def fare_list(request):
    """The official fares, for everyone; admins add or change one on the same page."""
    is_admin = request.user.is_authenticated and request.user.role == Role.ADMIN
    form = None
    if is_admin:
        form = FareForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                fare = services.set_fare(by=request.user, **form.service_data())
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(
                    request, _("Tarif officiel %(route)s enregistré.") % {"route": fare}
                )
                return redirect("trips:fares")
    elif request.method == "POST":
        raise PermissionDenied
    filters = FareFilterForm(request.GET or None)
    fares = Fare.objects.order_by("origin_city", "destination_city")
    if filters.is_valid() and filters.cleaned_data["city"]:
        city = filters.cleaned_data["city"]
        fares = fares.filter(Q(origin_city=city) | Q(destination_city=city))
    page, querystring = paginate_request(request, fares, per_page=50)
    return render(
        request,
        "trips/fare_list.html",
        {"form": form, "filters": filters, "page": page, "querystring": querystring},
    )


@role_required(Role.ADMIN)
@require_POST
def fare_delete(request, fare_id):
    fare = get_object_or_404(Fare, pk=fare_id)
    try:
        services.delete_fare(by=request.user, fare=fare)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Tarif officiel supprimé."))
    return redirect("trips:fares")


# --- journey times (administrators) ---------------------------------------------------------


@role_required(Role.ADMIN)
def route_durations(request):
    """Every route with departures: its set duration, or the estimate; set or clear one."""
    if request.method == "POST":
        raw = (request.POST.get("minutes") or "").strip()
        try:
            minutes = int(raw) if raw else None
            services.set_route_duration(
                by=request.user,
                origin_city=request.POST.get("origin_city", ""),
                destination_city=request.POST.get("destination_city", ""),
                minutes=minutes,
            )
        except (ValueError, OverflowError):
            messages.error(request, _("La durée doit être un nombre de minutes."))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Durée enregistrée."))
        return redirect(f"{request.path}?{request.GET.urlencode()}")
    page, querystring = paginate_request(request, selectors.routes_with_durations(), per_page=50)
    return render(
        request,
        "trips/route_durations.html",
        {"page": page, "querystring": querystring, "cities": CITIES},
    )
