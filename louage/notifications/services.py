"""In-app notifications (written in the same transaction as the change) and their emails
(sent by the task worker once the transaction has committed)."""

import functools
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from louage.accounts.models import Role
from louage.booking.models import Reservation, ReservationStatus
from louage.core import clock
from louage.core.audit import audit
from louage.core.errors import InvalidInput, NotAllowed
from louage.core.templatetags.money import dt
from louage.core.times import format_local

from . import push
from .models import Notice, Notification, PushSubscription

logger = logging.getLogger("louage.notifications")


def notify(*, user, kind, title, body, reservation=None, ticket_reservation_id=None):
    """Write the in-app notification (linked to its reservation) and queue its email after
    commit; `ticket_reservation_id` attaches that reservation's PDF ticket to the email."""
    from .tasks import send_notification_email, send_push_notification

    if user is None or not user.is_active:
        return None
    notification = Notification.objects.create(
        user=user, kind=kind, title=title[:200], body=body, reservation=reservation
    )

    def enqueue():
        try:
            send_notification_email.enqueue(notification.pk, ticket_reservation_id)
        except Exception:  # the in-app notification stays; the email is logged as lost
            logger.exception("could not queue the email of notification %s", notification.pk)
        if settings.WEBPUSH_ENABLED and PushSubscription.objects.filter(user=user).exists():
            try:
                send_push_notification.enqueue(notification.pk)
            except Exception:  # the in-app notification stays; the push is logged as lost
                logger.exception("could not queue the push of notification %s", notification.pk)

    transaction.on_commit(enqueue)
    return notification


def recipient_language(user):
    """The language a user reads their notifications, emails and tickets in."""
    language = getattr(user, "language", None)
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _in_recipient_language(func):
    """Write the notification in the traveller's language, whoever's request caused it (a
    chief, the payment gateway, the task worker)."""

    @functools.wraps(func)
    def wrapper(reservation, *args, **kwargs):
        with translation.override(recipient_language(reservation.client)):
            return func(reservation, *args, **kwargs)

    return wrapper


def _trip_words(reservation):
    trip = reservation.trip
    if trip.kind == "queue":  # departs when full: the vehicle, not an hour, tells it apart
        return _("%(origin)s → %(destination)s, louage %(plate)s (départ quand il est complet)") % {
            "origin": trip.origin.local_city,
            "destination": trip.destination.local_city,
            "plate": trip.vehicle.plate,
        }
    return _("%(origin)s → %(destination)s, %(when)s") % {
        "origin": trip.origin.local_city,
        "destination": trip.destination.local_city,
        "when": format_local(trip.departure, "long"),
    }


def _reload(reservation):
    return Reservation.objects.select_related(
        "trip__origin", "trip__destination", "trip__vehicle", "client"
    ).get(pk=reservation.pk)


@_in_recipient_language
def notify_payment_received(reservation, **_extra):
    reservation = _reload(reservation)
    return notify(
        user=reservation.client,
        kind="payment_received",
        title=_("Paiement reçu : réservation %(code)s confirmée") % {"code": reservation.code},
        body=_(
            "Votre paiement de %(amount)s est reçu. Trajet : %(trip)s, %(seats)s place(s). "
            "Votre billet, avec son QR code, est prêt : ouvrez la réservation pour l'afficher ou le télécharger."
        )
        % {
            "amount": dt(reservation.total_price),
            "trip": _trip_words(reservation),
            "seats": reservation.seats,
        },
        reservation=reservation,
        ticket_reservation_id=reservation.pk,
    )


@_in_recipient_language
def notify_reservation_cancelled(reservation, refunded=False, **_extra):
    reservation = _reload(reservation)
    body = _("Votre réservation %(code)s (%(trip)s) est annulée.") % {
        "code": reservation.code,
        "trip": _trip_words(reservation),
    }
    if refunded:
        body += " " + _("Le montant de %(amount)s vous est remboursé.") % {
            "amount": dt(reservation.total_price)
        }
    return notify(
        user=reservation.client,
        kind="reservation_cancelled",
        title=_("Réservation annulée"),
        body=body,
        reservation=reservation,
    )


@_in_recipient_language
def notify_trip_cancelled(reservation, refunded=False, **_extra):
    reservation = _reload(reservation)
    body = _(
        "Le départ %(trip)s est annulé par la station ; votre réservation %(code)s l'est aussi."
    ) % {
        "trip": _trip_words(reservation),
        "code": reservation.code,
    }
    if refunded:
        body += " " + _("Le montant de %(amount)s vous est remboursé.") % {
            "amount": dt(reservation.total_price)
        }
    return notify(
        user=reservation.client,
        kind="trip_cancelled",
        title=_("Départ annulé"),
        body=body,
        reservation=reservation,
    )


@_in_recipient_language
def notify_hold_expiring(reservation, **_extra):
    reservation = _reload(reservation)
    return notify(
        user=reservation.client,
        kind="hold_expiring",
        title=_("Vos places expirent bientôt"),
        body=_("Payez la réservation %(code)s (%(trip)s) avant %(time)s pour garder vos places.")
        % {
            "code": reservation.code,
            "trip": _trip_words(reservation),
            "time": format_local(reservation.expires_at, "time"),
        },
        reservation=reservation,
    )


@_in_recipient_language
def notify_no_show(reservation, refunded=False, **_extra):
    reservation = _reload(reservation)
    body = _(
        "Vous ne vous êtes pas présenté à l'embarquement (%(trip)s) : votre place de la réservation %(code)s a été libérée."
    ) % {"trip": _trip_words(reservation), "code": reservation.code}
    if refunded:
        body += " " + _("Le montant de %(amount)s vous est remboursé.") % {
            "amount": dt(reservation.total_price)
        }
    else:
        body += " " + _("Selon la règle de la station, le billet n'est pas remboursé.")
    return notify(user=reservation.client, kind="no_show", title=_("Place libérée"), body=body)


@_in_recipient_language
def notify_louage_loading(reservation, **_extra):
    reservation = _reload(reservation)
    return notify(
        user=reservation.client,
        kind="louage_loading",
        title=_("Votre louage %(plate)s est en chargement")
        % {"plate": reservation.trip.vehicle.plate},
        body=_(
            "Le louage %(plate)s de votre réservation %(code)s (%(trip)s) est maintenant en tête de file : présentez-vous au guichet."
        )
        % {
            "plate": reservation.trip.vehicle.plate,
            "code": reservation.code,
            "trip": _trip_words(reservation),
        },
    )


@transaction.atomic
def post_notice(*, by, trips, text):
    """A chief writes to the travellers of chosen departures of its own station."""
    from louage.stations.services import station_of

    station = station_of(by)
    if station is None or by.role != Role.CHIEF:
        raise NotAllowed(_("Seul un chef de station écrit aux voyageurs de ses départs."))
    text = (text or "").strip()
    if not text or len(text) > 1000:
        raise InvalidInput(
            _("Écrivez un message (1000 caractères au plus)."),
            errors=[
                {"field": "text", "message": _("Écrivez un message (1000 caractères au plus).")}
            ],
        )
    trips = list(trips)
    if not trips:
        raise InvalidInput(
            _("Choisissez au moins un départ."),
            errors=[{"field": "trip_ids", "message": _("Choisissez au moins un départ.")}],
        )
    if any(trip.origin_id != station.pk for trip in trips):
        raise NotAllowed(_("Ces départs ne sont pas tous de votre station."))
    notice = Notice.objects.create(author=by, station=station, text=text)
    notice.trips.set(trips)
    live = (
        Reservation.objects.filter(trip__in=trips)
        .filter(status__in=[ReservationStatus.PENDING, ReservationStatus.CONFIRMED])
        .select_related("client", "trip__destination", "trip__origin")
        .order_by("trip__departure", "pk")
    )
    recipients = {}
    unreached = []
    for reservation in live:
        client = reservation.client
        if client is None:
            unreached.append(Unreached(reservation, _("vendu au guichet, sans compte Louage")))
        elif not client.is_active or client.deleted_at is not None:
            unreached.append(Unreached(reservation, _("compte supprimé ou désactivé")))
        else:
            recipients.setdefault(client.pk, (client, reservation))
    for client, reservation in recipients.values():
        with translation.override(recipient_language(client)):
            notify(
                user=client,
                kind="notice",
                title=_("Message de la station %(station)s") % {"station": station.local_name},
                body=f"{text}\n\n({_trip_words(reservation)})",
                reservation=reservation,
            )
    audit(
        actor=by,
        action="notice.posted",
        obj=notice,
        station_id=station.pk,
        recipients=len(recipients),
        unreached=len(unreached),
    )
    return NoticeOutcome(notice=notice, reached=len(recipients), unreached=unreached)


@dataclass(frozen=True)
class Unreached:
    """A traveller of the chosen departures whom the notice could not reach, and why."""

    reservation: Reservation
    reason: str

    @property
    def name(self):
        return self.reservation.traveller_name

    @property
    def phone(self):
        return self.reservation.passenger_phone or (
            self.reservation.client.phone if self.reservation.client_id else ""
        )


@dataclass(frozen=True)
class NoticeOutcome:
    notice: Notice
    reached: int  # travellers (accounts) notified in the app and by email
    unreached: list  # [Unreached]: walk-ins without an account, deleted accounts


def mark_read(*, notification, by):
    if notification.user_id != by.pk:
        raise NotAllowed()
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=clock.now()
    )
    notification.refresh_from_db()
    return notification


def unread_count(user):
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


# --- Web Push ---------------------------------------------------------------------------------


def subscribe_push(*, user, endpoint, p256dh, auth):
    """Keep a browser's push subscription for `user` (the same endpoint moves to whoever
    subscribed last: one browser, one person). InvalidInput for keys that are not a P-256
    point and a 16-byte secret, or an endpoint that is not a public https address."""
    import base64

    def raw(value):
        try:
            return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        except (ValueError, TypeError):
            return b""

    key, secret = raw(p256dh or ""), raw(auth or "")
    if len(key) != 65 or key[0] != 4 or len(secret) != 16:
        raise InvalidInput(_("Cet abonnement aux notifications n'est pas valable."))
    if not endpoint or len(endpoint) > 1000:
        raise InvalidInput(_("Cet abonnement aux notifications n'est pas valable."))
    try:
        push.check_endpoint(endpoint)
    except push.ForbiddenAddress:
        raise InvalidInput(_("Cet abonnement aux notifications n'est pas valable.")) from None
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth}
    )
    return subscription


def unsubscribe_push(*, user, endpoint):
    """Forget this browser's subscription (only the user's own); the count removed."""
    return PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()[0]


def push_notification(notification_id):
    """Push one notification to each of its user's browsers (task worker): gone
    subscriptions (404/410) are deleted, other failures only logged. The number sent."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or not notification.user.is_active:
        return 0
    if notification.reservation_id:
        url = reverse("booking:detail", args=[notification.reservation_id])
    else:
        url = reverse("notifications:list")
    message = {
        "title": notification.title,
        "body": notification.body[:300],
        "url": url,
        "tag": f"notification-{notification.pk}",
    }
    sent = 0
    for subscription in PushSubscription.objects.filter(user=notification.user):
        try:
            ok = push.send(subscription, message)
        except push.PushGone:
            subscription.delete()
            continue
        if ok:
            sent += 1
            PushSubscription.objects.filter(pk=subscription.pk).update(last_sent_at=clock.now())
    return sent
