from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import PermissionDenied
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
from louage.core.templatetags.money import dt
from louage.core.times import format_moment, local_today
from louage.stations.services import station_of
from louage.trips.models import Trip
from louage.trips.pickers import picker_context, wants_picker_only
from louage.trips.selectors import day_bounds

from . import selectors, services
from .errors import PhoneRequired
from .forms import DeskSaleForm, ReserveForm, StationReservationFilter
from .models import ReservationStatus

INTENT_KEY = "booking_intent"


@login_not_required
@require_POST
def reserve(request, trip_id):
    """Hold seats for a client. A visitor's choice is kept in the session while they log in
    or sign up, and `resume` holds the seats when they come back."""
    trip = get_object_or_404(Trip, pk=trip_id)
    form = ReserveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez entre 1 et 8 places."))
        return redirect("trips:detail", trip.pk)
    seats = form.cleaned_data["seats"]
    if not request.user.is_authenticated:
        # The login and sign-up pages say so (allauth layout, booking_intent tag).
        request.session[INTENT_KEY] = {"trip": trip.pk, "seats": seats}
        return redirect(f"{reverse('account_login')}?next={reverse('booking:resume')}")
    if request.user.role != Role.CLIENT:
        raise PermissionDenied
    return _hold(request, trip, seats)


def _hold(request, trip, seats):
    try:
        reservation = services.reserve_seats(trip=trip, client=request.user, seats=seats)
    except PhoneRequired as exc:
        # The short phone form, then straight back to holding these seats.
        messages.info(request, exc.message)
        request.session[INTENT_KEY] = {"trip": trip.pk, "seats": seats}
        back = urlencode({"next": reverse("booking:resume")})
        return redirect(f"{reverse('accounts:phone')}?{back}")
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("trips:detail", trip.pk)
    messages.success(
        request,
        _("Places réservées jusqu'à %(time)s : payez avant pour les garder.")
        % {"time": format_moment(reservation.expires_at)},
    )
    return redirect("booking:detail", reservation.pk)


@login_required
def resume(request):
    """Back from login or sign-up: hold the seats chosen before (once)."""
    intent = request.session.pop(INTENT_KEY, None)
    if not isinstance(intent, dict):
        return redirect("booking:mine")
    trip = Trip.objects.filter(pk=intent.get("trip")).first()
    seats = intent.get("seats")
    if trip is None or not isinstance(seats, int):
        return redirect("trips:search")
    if request.user.role != Role.CLIENT:
        messages.error(
            request, _("Seuls les voyageurs réservent en ligne ; le guichet vend sur place.")
        )
        return redirect("trips:detail", trip.pk)
    return _hold(request, trip, seats)


@login_required
def my_reservations(request):
    if request.user.role != Role.CLIENT:
        return redirect("booking:station")
    upcoming, past = selectors.client_reservations_split(request.user)
    upcoming = list(upcoming)
    for reservation in upcoming:
        reservation.terms = selectors.cancel_terms(reservation, request.user)
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
    can_manage = (
        request.user.role == Role.ADMIN or reservation.trip.origin.chief_id == request.user.pk
    )
    return render(
        request,
        "booking/reservation_detail.html",
        {
            "reservation": reservation,
            "payments": selectors.payment_rows(reservation),
            "terms": selectors.cancel_terms(reservation, request.user),
            "can_manage": can_manage,
        },
    )


@role_required(Role.CHIEF, Role.ADMIN)
def receipt(request, reservation_id):
    """The printable receipt of a paid reservation, for the desk to hand over."""
    try:
        reservation = selectors.visible_reservation(request.user, reservation_id)
    except DomainError:
        return render(request, "errors/404.html", status=404)
    if reservation.status not in (ReservationStatus.CONFIRMED, ReservationStatus.BOARDED):
        messages.error(request, _("Le reçu est disponible une fois la réservation payée."))
        return redirect("booking:detail", reservation.pk)
    return render(
        request,
        "booking/receipt.html",
        {"reservation": reservation, "payment": selectors.received_payment(reservation)},
    )


@login_required
@require_POST
def cancel(request, reservation_id):
    try:
        reservation = selectors.visible_reservation(request.user, reservation_id)
        reservation = services.cancel_reservation(
            reservation=reservation, by=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, cancelled_message(reservation.refunded_payment))
    return redirect_back(request, "booking:detail", reservation_id)


def cancelled_message(refunded):
    """The success message says what went back, and how."""
    if refunded is None:
        return _("Réservation annulée ; les places sont libérées. Rien n'avait été payé.")
    if refunded.method == "cash":
        return _(
            "Réservation annulée : %(amount)s vous sont remboursés en espèces au guichet de la station."
        ) % {"amount": dt(refunded.refunded_amount)}
    return _(
        "Réservation annulée : %(amount)s vous sont remboursés sur votre moyen de paiement."
    ) % {"amount": dt(refunded.refunded_amount)}


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
    for reservation in page:
        reservation.terms = selectors.cancel_terms(reservation, request.user)
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


def _station_or_home(request):
    station = station_of(request.user)
    if station is None:
        messages.error(request, _("Vous ne dirigez aucune station."))
    return station


def _chosen_trip(queryset, value):
    value = str(value or "")
    return queryset.filter(pk=int(value)).first() if value.isdigit() and len(value) <= 18 else None


@role_required(Role.CHIEF)
def desk_sale(request):
    """Sell to a walk-in traveller: pick one of the day's departures (today first), the seats,
    the name; confirmed and paid in cash at once."""
    station = _station_or_home(request)
    if station is None:
        return redirect("home")
    now = clock.now()
    form = DeskSaleForm(
        request.POST or None, station=station, now=now, initial={"trip": request.GET.get("trip")}
    )
    chosen = _chosen_trip(
        form.fields["trip"].queryset, request.POST.get("trip") or request.GET.get("trip")
    )
    picker = picker_context(request, station, purpose="sale", selected=[chosen] if chosen else [])
    picker.update({"picker_input": "radio", "picker_name": "trip"})
    if wants_picker_only(request):
        return render(request, "trips/_picker_options.html", picker)
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
                request,
                _("Vente enregistrée : référence %(code)s. Encaissez %(amount)s.")
                % {"code": reservation.code, "amount": dt(reservation.total_price)},
            )
            return redirect("booking:detail", reservation.pk)
    context = {
        "form": form,
        "station": station,
        "collect": _collect(chosen, request.POST),
        **picker,
    }
    return render(request, "booking/desk_sale.html", context)


def _collect(trip, data):
    """What the desk collects for the departure and seats chosen so far (None: not known)."""
    raw = str(data.get("seats") or "1")
    seats = int(raw) if raw.isdigit() and len(raw) < 3 else 0
    return dt(trip.price * seats) if trip is not None and 1 <= seats <= 9 else None


@role_required(Role.CHIEF)
def today(request):
    """The chief's landing page: the day's departures by destination with seats sold, held,
    free and boarded, the next to leave, and the day's actions one tap away."""
    station = _station_or_home(request)
    if station is None:
        return redirect("home")
    day = local_today()
    raw = request.GET.get("date", "")
    if raw:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            messages.error(request, _("Date invalide : voici aujourd'hui."))
    summary = selectors.station_day(station, day)
    return render(
        request,
        "booking/today.html",
        {
            "station": station,
            "summary": summary,
            "day": day,
            "is_today": day == local_today(),
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
        },
    )
