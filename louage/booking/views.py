from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from louage.accounts.models import Role
from louage.core import clock
from louage.core.decorators import role_required
from louage.core.errors import DomainError
from louage.core.forms import apply_domain_error
from louage.core.net import redirect_back
from louage.core.pagination import paginate_request
from louage.stations.services import station_of
from louage.trips.models import Trip
from louage.trips.selectors import TUNIS, day_bounds

from . import selectors, services
from .errors import PhoneRequired
from .forms import DeskSaleForm, ReserveForm, StationReservationFilter


@role_required(Role.CLIENT)
@require_POST
def reserve(request, trip_id):
    trip = get_object_or_404(Trip, pk=trip_id)
    form = ReserveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez entre 1 et 8 places."))
        return redirect("trips:detail", trip.pk)
    try:
        reservation = services.reserve_seats(
            trip=trip, client=request.user, seats=form.cleaned_data["seats"]
        )
    except PhoneRequired as exc:
        # The short phone form, then back to this departure to book.
        messages.info(request, exc.message)
        back = urlencode({"next": reverse("trips:detail", args=[trip.pk])})
        return redirect(f"{reverse('accounts:phone')}?{back}")
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("trips:detail", trip.pk)
    messages.success(request, _("Places réservées : payez avant la fin du délai pour les garder."))
    return redirect("booking:detail", reservation.pk)


@login_required
def my_reservations(request):
    if request.user.role != Role.CLIENT:
        return redirect("booking:station")
    upcoming, past = selectors.client_reservations_split(request.user)
    page, querystring = paginate_request(request, past, per_page=10)
    return render(
        request,
        "booking/my_reservations.html",
        {"upcoming": upcoming, "page": page, "querystring": querystring},
    )


@login_required
def reservation_detail(request, reservation_id):
    try:
        reservation = selectors.visible_reservation(request.user, reservation_id)
    except DomainError:
        return render(request, "errors/404.html", status=404)
    payments = reservation.payments.order_by("-created_at")
    can_manage = (
        request.user.role == Role.ADMIN or reservation.trip.origin.chief_id == request.user.pk
    )
    return render(
        request,
        "booking/reservation_detail.html",
        {
            "reservation": reservation,
            "payments": payments,
            "can_manage": can_manage,
            "now": clock.now(),
        },
    )


@login_required
@require_POST
def cancel(request, reservation_id):
    try:
        reservation = selectors.visible_reservation(request.user, reservation_id)
        services.cancel_reservation(
            reservation=reservation, by=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Réservation annulée ; les places sont libérées."))
    return redirect_back(request, "booking:detail", reservation_id)


@role_required(Role.CHIEF)
@require_POST
def confirm_cash(request, reservation_id):
    try:
        reservation = selectors.visible_reservation(request.user, reservation_id)
        services.record_cash_payment(reservation=reservation, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Paiement en espèces enregistré : réservation confirmée."))
    return redirect_back(request, "booking:station")


@role_required(Role.CHIEF, Role.ADMIN)
def station_reservations(request):
    filters = StationReservationFilter(request.GET or None)
    trip_id = status = bounds = None
    if filters.is_valid():
        trip_id, status = filters.cleaned_data["trip"], filters.cleaned_data["status"] or None
        if filters.cleaned_data["date"]:
            bounds = day_bounds(filters.cleaned_data["date"])
    reservations = selectors.reservations_for_user(
        request.user, status=status, trip_id=trip_id, day_bounds=bounds
    )
    page, querystring = paginate_request(request, reservations)
    return render(
        request,
        "booking/station_reservations.html",
        {
            "filters": filters,
            "page": page,
            "querystring": querystring,
            "station": station_of(request.user),
        },
    )


@role_required(Role.CHIEF)
def desk_sale(request):
    station = station_of(request.user)
    if station is None:
        messages.error(request, _("Vous ne dirigez aucune station."))
        return redirect("home")
    now = clock.now().astimezone(TUNIS)
    form = DeskSaleForm(
        request.POST or None, station=station, now=now, initial={"trip": request.GET.get("trip")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reservation = services.sell_at_desk(
                trip=data["trip"], seats=data["seats"], passenger_name=data["passenger_name"],
                passenger_phone=data["passenger_phone"], by=request.user,
            )  # fmt: skip
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request, _("Vente enregistrée : référence %(code)s.") % {"code": reservation.code}
            )
            return redirect("booking:detail", reservation.pk)
    return render(request, "booking/desk_sale.html", {"form": form, "station": station})
