from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from louage.accounts.models import Role
from louage.core.decorators import role_required
from louage.core.errors import DomainError
from louage.core.forms import apply_domain_error
from louage.core.pagination import paginate_request
from louage.stations.services import station_of

from . import selectors, services
from .forms import FareFilterForm, FareForm, SearchForm, TripFilterForm, TripForm, known_cities
from .models import Fare
from .selectors import TUNIS, local_today


def search(request):
    """Search page; htmx requests get only the results, so typing updates them in place."""
    form = SearchForm(request.GET or None)
    results = None
    if form.is_valid():
        data = form.cleaned_data
        trips = selectors.search_trips(
            origin=data["origin"],
            destination=data["destination"],
            day=data["date"],
            seats=data["seats"] or 1,
        )
        results, querystring = paginate_request(request, trips)
    else:
        querystring = ""
    context = {
        "form": form,
        "page": results,
        "querystring": querystring,
        "today": local_today(),
        "cities": known_cities(),
    }
    template = "trips/_results.html" if request.htmx else "trips/search.html"
    return render(request, template, context)


def trip_detail(request, trip_id):
    trip = selectors.public_trip(trip_id)
    if trip is None:
        raise Http404
    context = {
        "trip": trip,
        "seat_choices": range(1, min(8, trip.seats_available) + 1),
        "hold_minutes": settings.HOLD_MINUTES,
    }
    return render(request, "trips/trip_detail.html", context)


def _origin_for(user):
    if user.role == Role.CHIEF:
        origin = station_of(user)
        if origin is None:
            raise Http404
        return origin
    return None


@role_required(Role.ADMIN, Role.CHIEF)
def trip_list(request):
    filters = TripFilterForm(request.GET or None)
    day = destination = status = None
    if filters.is_valid():
        day, destination, status = (
            filters.cleaned_data[k] for k in ("date", "destination", "status")
        )
    trips = selectors.trips_for_user(
        request.user, day=day, destination=destination, status=status or None
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
        },
    )


@role_required(Role.ADMIN, Role.CHIEF)
def trip_create(request):
    """A chief plans from its own station; an admin chooses the origin."""
    origin = _origin_for(request.user)
    form = TripForm(request.POST or None, origin=origin, initial={"date": local_today()})
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
def trip_edit(request, trip_id):
    trip = get_object_or_404(selectors.trips_for_user(request.user), pk=trip_id)
    local = trip.departure.astimezone(TUNIS)
    initial = {
        "destination_id": trip.destination_id,
        "vehicle_id": trip.vehicle_id,
        "date": local.date(),
        "time": local.time().replace(second=0, microsecond=0),
        "price_dt": trip.price / 1000,
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
    return redirect("trips:detail", trip.pk)


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
