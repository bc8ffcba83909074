"""The desk (/guichet/): a station's queues live, for the chief at the window (a tablet),
and the public "next louage" page where travellers book."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from louage.accounts.models import Role
from louage.booking import services as booking
from louage.booking.errors import PhoneRequired
from louage.booking.models import Reservation
from louage.core.decorators import role_required
from louage.core.errors import DomainError
from louage.core.templatetags.money import dt
from louage.stations.models import Station
from louage.stations.services import check_can_manage_station, station_of

from . import selectors, services
from .forms import NewQueueForm, PlateForm, PolicyForm, SeatsForm, SellForm
from .models import Queue


@login_not_required
def queue_detail(request, queue_id):
    view = selectors.queue_view(queue_id)
    if view is None or not view.queue.station.is_active:
        raise Http404
    template = "queues/_queue_status.html" if request.htmx else "queues/queue_detail.html"
    return render(
        request,
        template,
        {"view": view, "form": SeatsForm(), "hold_minutes": settings.HOLD_MINUTES},
    )


@role_required(Role.CLIENT)
@require_POST
def reserve(request, queue_id):
    queue = get_object_or_404(Queue, pk=queue_id)
    form = SeatsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez entre 1 et 8 places."))
        return redirect("queues:detail", queue.pk)
    try:
        reservation = services.reserve_next_louage(
            queue=queue, client=request.user, seats=form.cleaned_data["seats"]
        )
    except PhoneRequired as exc:  # the short phone form, then back to this queue
        messages.info(request, exc.message)
        back = urlencode({"next": reverse("queues:detail", args=[queue.pk])})
        return redirect(f"{reverse('accounts:phone')}?{back}")
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("queues:detail", queue.pk)
    messages.success(
        request,
        _("Vos places sont dans le louage %(plate)s : payez avant la fin du délai pour les garder.")
        % {"plate": reservation.trip.vehicle.plate},
    )
    return redirect("booking:detail", reservation.pk)


# --- the desk -------------------------------------------------------------------------------


def _desk_station(request):
    """The chief's own station; an admin picks one with ?station=."""
    if request.user.role == Role.CHIEF:
        return station_of(request.user)
    station_id = request.GET.get("station") or request.POST.get("station") or ""
    if not station_id.isdigit() or len(station_id) > 18:
        return None
    return Station.objects.filter(pk=int(station_id)).first()


def _desk_url(station):
    url = reverse("queues:desk")
    return f"{url}?station={station.pk}" if station else url


def _station_vehicles(station):
    return station.vehicles.filter(active=True).order_by("plate")


@role_required(Role.CHIEF, Role.ADMIN)
def desk(request):
    station = _desk_station(request)
    if station is None:
        if request.user.role == Role.CHIEF:
            messages.error(request, _("Vous ne dirigez aucune station."))
            return redirect("home")
        stations = Station.objects.filter(is_active=True).order_by("city", "name")
        return render(request, "queues/desk_choose.html", {"stations": stations})
    views = selectors.attach_travellers(selectors.build_views(selectors.queues_of_station(station)))
    return render(
        request,
        "queues/desk.html",
        {
            "station": station,
            "views": views,
            "new_queue_form": NewQueueForm(station=station),
            "policy_form": PolicyForm(
                initial={"no_show_fare": services.no_show_policy(station.pk)}
            ),
            "sell_form": SellForm(),
            "seats_form": SeatsForm(),
            "plate_form": PlateForm(),
            "vehicles": _station_vehicles(station),
            "can_sell": request.user.role in (Role.CHIEF, Role.ADMIN),
            "grace_minutes": settings.QUEUE_NO_SHOW_MINUTES,
        },
    )


def _managed_queue(request, queue_id):
    queue = get_object_or_404(Queue.objects.select_related("station"), pk=queue_id)
    try:
        check_can_manage_station(request.user, queue.station_id)
    except DomainError:
        raise Http404 from None
    return queue


def _live(request, queue, flash=None):
    """The live part of one queue on the desk (htmx swaps it in place; polled every few seconds)."""
    view = selectors.attach_travellers([selectors.queue_view(queue.pk)])[0]
    return render(
        request,
        "queues/_desk_queue.html",
        {
            "view": view,
            "flash": flash,
            "can_sell": request.user.role in (Role.CHIEF, Role.ADMIN),
            "grace_minutes": settings.QUEUE_NO_SHOW_MINUTES,
        },
    )


@role_required(Role.CHIEF, Role.ADMIN)
def desk_queue(request, queue_id):
    return _live(request, _managed_queue(request, queue_id))


def _first_error(form):
    for errors in form.errors.values():
        return errors[0]
    return _("Données invalides.")


def _sell(request, queue):
    form = SellForm(request.POST)
    if not form.is_valid():
        return "error", _first_error(form)
    reservation = services.sell_next_louage(queue=queue, by=request.user, **form.cleaned_data)
    sold = ngettext(
        "Vendu : %(seats)s place dans le louage %(plate)s, réf. %(code)s. Encaissez %(amount)s.",
        "Vendu : %(seats)s places dans le louage %(plate)s, réf. %(code)s. Encaissez %(amount)s.",
        reservation.seats,
    ) % {
        "seats": reservation.seats,
        "plate": reservation.trip.vehicle.plate,
        "code": reservation.code,
        "amount": dt(reservation.total_price),
    }
    return "success", format_html(
        '{} <a href="{}" data-testid="receipt-link">{}</a>',
        sold,
        reverse("booking:receipt", args=[reservation.pk]),
        _("Reçu à imprimer"),
    )


def _walk_in(request, queue):
    form = SeatsForm(request.POST)
    if not form.is_valid():
        return "error", _first_error(form)
    reservation = services.count_walk_in(
        queue=queue, seats=form.cleaned_data["seats"], by=request.user
    )
    return "success", ngettext(
        "%(seats)s voyageur à la porte compté dans %(plate)s.",
        "%(seats)s voyageurs à la porte comptés dans %(plate)s.",
        reservation.seats,
    ) % {
        "seats": reservation.seats,
        "plate": reservation.trip.vehicle.plate,
    }


def _add(request, queue):
    form = PlateForm(request.POST)
    if not form.is_valid():
        return "error", _first_error(form)
    turn = services.add_vehicle(queue=queue, by=request.user, plate=form.cleaned_data["plate"])
    return "success", _("%(plate)s ajouté à la file.") % {"plate": turn.vehicle.plate}


def _full(request, queue):
    turn = services.mark_full(queue=queue, by=request.user)
    return "success", _("%(plate)s est complet : la vente en ligne passe au suivant.") % {
        "plate": turn.vehicle.plate
    }


def _send(request, queue):
    trip = services.send_loading(queue=queue, by=request.user)
    return "success", _("%(plate)s est parti.") % {"plate": trip.vehicle.plate}


def _no_shows(request, queue):
    released = services.release_no_shows(queue=queue, by=request.user)
    if not released:
        return "info", _("Aucun voyageur absent : tout le monde est à bord.")
    seats = sum(r.seats for r in released)
    return "success", ngettext(
        "%(n)s place d'absent libérée.", "%(n)s places d'absents libérées.", seats
    ) % {"n": seats}


QUEUE_ACTIONS = {
    "vendre": _sell,
    "porte": _walk_in,
    "ajouter": _add,
    "complet": _full,
    "envoyer": _send,
    "absents": _no_shows,
}


def _respond(request, queue, level, message):
    if request.htmx:
        response = _live(request, queue, flash={"level": level, "message": message})
        if level == "success":
            response["HX-Trigger"] = "louage:done"  # louage.js empties the form that succeeded
        return response
    getattr(messages, level)(request, message)
    return redirect(_desk_url(queue.station if request.user.role == Role.ADMIN else None))


def _run(request, queue, action):
    try:
        level, message = action()
    except DomainError as exc:
        level, message = "error", exc.message
    return _respond(request, queue, level, message)


@role_required(Role.CHIEF, Role.ADMIN)
@require_POST
def queue_action(request, queue_id, action):
    handler = QUEUE_ACTIONS.get(action)
    if handler is None:
        raise Http404
    queue = _managed_queue(request, queue_id)
    return _run(request, queue, lambda: handler(request, queue))


@role_required(Role.CHIEF, Role.ADMIN)
@require_POST
def vehicle_action(request, queue_id, vehicle_id, action):
    queue = _managed_queue(request, queue_id)
    if action == "retirer":

        def act():
            turn = services.remove_vehicle(queue=queue, by=request.user, vehicle_id=vehicle_id)
            return "success", _("%(plate)s retiré de la file.") % {"plate": turn.vehicle.plate}

    elif action in ("monter", "descendre"):

        def act():
            step = -1 if action == "monter" else 1
            services.move_vehicle(queue=queue, by=request.user, vehicle_id=vehicle_id, step=step)
            return "success", _("Ordre de la file modifié.")

    else:
        raise Http404
    return _run(request, queue, act)


@role_required(Role.CHIEF)
@require_POST
def board(request, queue_id, reservation_id):
    """Check a traveller in from the desk's list (same rule as scanning the ticket)."""
    queue = _managed_queue(request, queue_id)

    def act():
        reservation = Reservation.objects.filter(
            pk=reservation_id, trip__queue_turn__queue=queue
        ).first()
        if reservation is None:
            raise Http404
        booking.board_reservation(reservation=reservation, by=request.user)
        return "success", _("%(name)s est à bord.") % {"name": reservation.traveller_name}

    return _run(request, queue, act)


@role_required(Role.CHIEF, Role.ADMIN)
@require_POST
def open_queue(request):
    station = _desk_station(request)
    if station is None:
        raise Http404
    form = NewQueueForm(request.POST, station=station)
    if not form.is_valid():
        messages.error(request, _first_error(form))
    else:
        try:
            queue = services.create_queue(
                by=request.user,
                destination_id=form.cleaned_data["destination_id"],
                station_id=station.pk,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("File vers %(name)s ouverte.") % {"name": queue.destination.name}
            )
    return redirect(_desk_url(station if request.user.role == Role.ADMIN else None))


@role_required(Role.CHIEF, Role.ADMIN)
@require_POST
def set_policy(request):
    station = _desk_station(request)
    if station is None:
        raise Http404
    form = PolicyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
    else:
        try:
            services.set_no_show_policy(station=station, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Règle des absents enregistrée."))
    return redirect(_desk_url(station if request.user.role == Role.ADMIN else None))
