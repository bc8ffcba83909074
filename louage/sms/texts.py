"""What the SMS say, short, each in the recipient's language (French first)."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from louage.booking.models import ReservationStatus
from louage.core.times import format_local


def trip_words(trip):
    """The route and time ("Tunis-Sousse jeu. 27/11 08:30"), or the louage of a queue."""
    route = f"{trip.origin.local_city}-{trip.destination.local_city}"
    if trip.kind == "queue":
        return _("%(route)s, louage %(plate)s") % {"route": route, "plate": trip.vehicle.plate}
    return f"{route} {format_local(trip.departure, 'day_time')}"


def ticket(reservation):
    return ngettext(
        "Louage : billet %(code)s confirmé, %(trip)s, %(seats)s place. Montrez ce code à l'embarquement.",
        "Louage : billet %(code)s confirmé, %(trip)s, %(seats)s places. Montrez ce code à l'embarquement.",
        reservation.seats,
    ) % {
        "code": reservation.code,
        "trip": trip_words(reservation.trip),
        "seats": reservation.seats,
    }


def trip_cancelled(reservation, refunded):
    text = _("Louage : le départ %(trip)s est annulé, votre réservation %(code)s aussi.") % {
        "trip": trip_words(reservation.trip),
        "code": reservation.code,
    }
    if refunded:
        text += " " + _("Vous êtes remboursé.")
    return text


def trip_changed(reservation):
    return _("Louage : votre départ change. Réservation %(code)s : %(trip)s, louage %(plate)s.") % {
        "code": reservation.code,
        "trip": trip_words(reservation.trip),
        "plate": reservation.trip.vehicle.plate,
    }


def loading(reservation):
    return _(
        "Louage : votre louage %(plate)s pour %(destination)s est en chargement. Présentez-vous au quai (réservation %(code)s)."
    ) % {
        "plate": reservation.trip.vehicle.plate,
        "destination": reservation.trip.destination.local_city,
        "code": reservation.code,
    }


def hold_expiring(reservation):
    return _("Louage : payez la réservation %(code)s avant %(time)s pour garder vos places.") % {
        "code": reservation.code,
        "time": format_local(reservation.expires_at, "time"),
    }


def notice(station, text):
    return _("Louage, station %(station)s : %(text)s") % {
        "station": station.local_name,
        "text": text,
    }


def stopped():
    return _("Louage : vous ne recevrez plus de SMS. Envoyez START pour les recevoir de nouveau.")


def started():
    return _("Louage : SMS réactivés. Envoyez STOP pour ne plus les recevoir.")


def ticket_status(reservation):
    return _("Louage : billet %(code)s, %(status)s. %(trip)s.") % {
        "code": reservation.code,
        "status": ReservationStatus(reservation.status).label.lower(),
        "trip": trip_words(reservation.trip),
    }


def help_text():
    return _(
        "Louage : envoyez le code de votre billet pour connaître son état, ou STOP pour ne plus recevoir de SMS."
    )
