from datetime import timedelta

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from louage.accounts.models import Role
from louage.booking.models import Reservation, ReservationStatus
from louage.booking.selectors import visible_reservation
from louage.core.decorators import role_required
from louage.core.errors import DomainError
from louage.core.offline import offline_copy
from louage.core.times import day_bounds, format_local, local_today
from louage.stations.services import station_of
from louage.trips.models import Trip, TripStatus
from louage.trips.pickers import picker_context, wants_picker_only

from . import services
from .pdf import render_ticket_pdf
from .tokens import ticket_token

TICKET_STATUSES = (ReservationStatus.CONFIRMED, ReservationStatus.BOARDED)


def _ticket_reservation(request, reservation_id):
    try:
        reservation = visible_reservation(request.user, reservation_id)
    except DomainError:
        raise Http404 from None
    if reservation.status not in TICKET_STATUSES:
        messages.error(request, _("Le billet est disponible une fois la réservation payée."))
        return reservation, redirect("booking:detail", reservation.pk)
    return reservation, None


@offline_copy()
@login_required
def ticket(request, reservation_id):
    """The ticket on the phone: the QR code large and high-contrast (black on white, with its
    quiet zone), for a scanner to read off a cheap phone's screen; the PDF is a download."""
    reservation, refused = _ticket_reservation(request, reservation_id)
    if refused:
        return refused
    qr = segno.make(ticket_token(reservation), error="m")
    # segno writes plain SVG (no script, no style attribute); it scales without blur.
    svg = qr.svg_inline(scale=1, border=4, dark="#000", light="#fff", omitsize=True)
    return render(
        request,
        "tickets/ticket.html",
        {"reservation": reservation, "trip": reservation.trip, "qr_svg": mark_safe(svg)},  # noqa: S308
    )


@login_required
def download(request, reservation_id):
    reservation, refused = _ticket_reservation(request, reservation_id)
    if refused:
        return refused
    response = HttpResponse(render_ticket_pdf(reservation), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="billet-{reservation.code}.pdf"'
    return response


def _offline_check(station):
    """What the page's script needs to check a ticket without a network (checkin.js): the
    station, where the public keys are, labels of the departures a ticket may name (today's
    and tomorrow's, for a page left open past midnight) and its messages."""
    today = local_today()
    start, end = day_bounds(today)[0], day_bounds(today + timedelta(days=1))[1]
    departures = (
        Trip.objects.filter(origin=station, departure__gte=start, departure__lt=end)
        .exclude(status=TripStatus.CANCELLED)
        .select_related("destination", "vehicle")
        .order_by("departure", "pk")
    )
    return {
        "station": station.pk,
        "keys_url": reverse("api:ticket_keys"),
        "departures": {
            str(trip.pk): _("le départ de %(time)s → %(destination)s (%(plate)s)")
            % {
                "time": format_local(trip.departure, "time"),
                "destination": trip.destination.name,
                "plate": trip.vehicle.plate,
            }
            for trip in departures
        },
        "messages": {
            # One sentence per seat count: the page picks it offline (real plurals).
            "valid_offline": {
                n: ngettext(
                    "Billet valable pour %(trip)s — %(seats)s place, réf. %(code)s — pas encore synchronisé.",
                    "Billet valable pour %(trip)s — %(seats)s places, réf. %(code)s — pas encore synchronisé.",
                    n,
                )
                for n in range(1, 10)
            },
            "some_trip": _("le départ n° %(id)s"),
            "scanned_offline": _("Ce billet a déjà été scanné hors ligne (réf. %(code)s) : il "
                                 "attend la synchronisation."),
            "boarded_here": _("Ce billet a déjà servi aujourd'hui (réf. %(code)s) : le "
                              "voyageur est embarqué."),
            "unreadable": _("Billet illisible : ce n'est pas un code de billet Louage."),
            "unknown_key": _("Billet signé par une clé inconnue : faux billet ou clés à mettre "
                             "à jour (connectez-vous au réseau)."),
            "forged": _("Billet falsifié : la signature ne correspond pas."),
            "expired": _("Billet expiré : il valait pour le %(day)s."),
            "other_station": _("Ce billet est pour un départ d'une autre station."),
            "other_day": _("Ce billet est pour le %(day)s, pas pour aujourd'hui."),
            "typed_offline": _("Pas de réseau : une référence saisie se vérifie en ligne. "
                               "Scannez le QR code du billet, ou réessayez une fois connecté."),
            "cannot_check": _("Pas de réseau, et ce navigateur ne sait pas vérifier la "
                              "signature du billet (Ed25519) : réessayez une fois connecté."),
            "pending": _("Embarquements en attente de synchronisation : %(n)s."),
            "synced": _("Synchronisé : %(message)s"),
            "sync_login": _("Reconnectez-vous pour synchroniser les embarquements en attente."),
        },
    }  # fmt: skip


def _check_in_context(request, result=None):
    """The scan/typing form, and a picker of the day's departures whose travellers can be
    boarded with a tap."""
    station = station_of(request.user)
    context = {"result": result, "station": station}
    if station is None:
        return context
    context["offline_check"] = _offline_check(station)
    raw = request.POST.get("trip") or request.GET.get("trip") or ""
    trip = (
        Trip.objects.select_related("destination", "vehicle")
        .filter(origin=station, pk=int(raw))
        .first()
        if raw.isdigit() and len(raw) <= 18
        else None
    )
    context.update(
        picker_context(request, station, purpose="check_in", selected=[trip] if trip else [])
    )
    context["picker_mode"] = "link"
    if trip is not None:
        context["trip"] = trip
        context["passengers"] = (
            Reservation.objects.filter(trip=trip)
            .exclude(status__in=[ReservationStatus.EXPIRED, ReservationStatus.CANCELLED])
            .select_related("client")
            .order_by("status", "created_at")
        )
    return context


@offline_copy()
@role_required(Role.CHIEF)
def check_in_page(request):
    context = _check_in_context(request)
    if wants_picker_only(request):
        return render(request, "trips/_picker_options.html", context)
    return render(request, "tickets/check_in.html", context)


def _boarded_message(reservation):
    trip = reservation.trip
    return ngettext(
        "Embarquement validé : %(name)s, %(seats)s place, réf. %(code)s — louage %(plate)s "
        "pour %(destination)s, départ %(time)s.",
        "Embarquement validé : %(name)s, %(seats)s places, réf. %(code)s — louage %(plate)s "
        "pour %(destination)s, départ %(time)s.",
        reservation.seats,
    ) % {
        "name": reservation.traveller_name,
        "seats": reservation.seats,
        "code": reservation.code,
        "plate": trip.vehicle.plate,
        "destination": trip.destination.local_city,
        "time": format_local(trip.departure, "time"),
    }


@role_required(Role.CHIEF)
@require_POST
def check_in(request):
    """Board a scanned or typed ticket; a ticket of another departure than the one boarding
    asks to be confirmed (the result then carries a confirm form)."""
    code = request.POST.get("code", "")
    raw_trip = request.POST.get("trip", "")
    expected = int(raw_trip) if raw_trip.isdigit() and len(raw_trip) <= 18 else None
    try:
        reservation = services.check_in(
            code_or_token=code, by=request.user, expected_trip_id=expected,
            confirm=request.POST.get("confirm") == "1",
        )  # fmt: skip
    except services.BoardingNeedsConfirmation as exc:
        result = {
            "ok": False,
            "confirm": True,
            "message": exc.message,
            "code": code,
            "trip": expected,
        }
    except DomainError as exc:
        result = {"ok": False, "message": exc.message}
    else:
        result = {"ok": True, "message": _boarded_message(reservation)}
    if request.htmx:
        return render(request, "tickets/_check_in_result.html", {"result": result})
    return render(request, "tickets/check_in.html", _check_in_context(request, result))
