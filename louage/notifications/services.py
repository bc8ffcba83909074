"""In-app notifications (written in the same transaction as the change) and their emails
(sent by the task worker once the transaction has committed)."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from louage.accounts.models import Role
from louage.booking.models import Reservation, ReservationStatus
from louage.core import clock, events
from louage.core.audit import audit
from louage.core.errors import InvalidInput, NotAllowed
from louage.core.templatetags.money import dt
from louage.core.times import format_local
from louage.sms import selectors as sms_selectors

from . import push
from .models import Notice, Notification, PushSubscription

logger = logging.getLogger("louage.notifications")


def notify(*, user, kind, title, body, reservation=None, ticket_reservation_id=None, params=None):
    """Write the in-app notification (linked to its reservation) and queue its email after
    commit; `ticket_reservation_id` attaches that reservation's PDF ticket to the email.
    `params` let `localize` write it again in whatever language it is read in."""
    from .tasks import send_notification_email, send_push_notification

    if user is None or not user.is_active:
        return None
    notification = Notification.objects.create(
        user=user, kind=kind, title=title[:200], body=body, reservation=reservation,
        params=params or {},
    )  # fmt: skip

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
    return _reservation(reservation.pk)


def _reservation(reservation_id):
    return Reservation.objects.select_related(
        "trip__origin", "trip__destination", "trip__vehicle", "client"
    ).get(pk=reservation_id)


# --- messages written in the reader's language --------------------------------------------
# A notification keeps its kind and parameters; each renderer writes its title and body in the
# active language, so the list, the API and the email speak the reader's language, not the
# language of the day it was made. The stored text stays as written (older rows, fallback).

_RENDERERS = {}


def _renders(kind):
    def register(render):
        _RENDERERS[kind] = render
        return render

    return register


def localize(notification):
    """(title, body) of `notification` in the active language; its stored text when it has no
    parameters (written before they were kept) or what it spoke of is gone."""
    render = _RENDERERS.get(notification.kind)
    if render is None or not notification.params:
        return notification.title, notification.body
    try:
        return render(notification.params)
    except (Reservation.DoesNotExist, KeyError, TypeError, ValueError):
        return notification.title, notification.body


def localize_all(notifications):
    """Each notification's title and body replaced, in memory, by the reader's language's."""
    for notification in notifications:
        notification.title, notification.body = localize(notification)
    return notifications


def _send(kind, about, params, *, linked=True, ticket=False):
    """Notify the client of reservation `about` (linked to it unless `linked` is False, its
    ticket attached when `ticket`): the stored text is in the recipient's language, as the
    email written later."""
    reservation = _reload(about)
    params = {"reservation": reservation.pk, **params}
    with translation.override(recipient_language(reservation.client)):
        title, body = _RENDERERS[kind](params)
    return notify(
        user=reservation.client, kind=kind, title=title, body=body, params=params,
        reservation=reservation if linked else None,
        ticket_reservation_id=reservation.pk if ticket else None,
    )  # fmt: skip


def _refund_words(reservation, refunded):
    if not refunded:
        return ""
    return " " + _("Le montant de %(amount)s vous est remboursé.") % {
        "amount": dt(reservation.total_price)
    }


@_renders("payment_received")
def _payment_received(params):
    reservation = _reservation(params["reservation"])
    title = _("Paiement reçu : réservation %(code)s confirmée") % {"code": reservation.code}
    body = ngettext(
        "Votre paiement de %(amount)s est reçu. Trajet : %(trip)s, %(seats)s place. "
        "Votre billet, avec son QR code, est prêt : ouvrez la réservation pour l'afficher ou le télécharger.",
        "Votre paiement de %(amount)s est reçu. Trajet : %(trip)s, %(seats)s places. "
        "Votre billet, avec son QR code, est prêt : ouvrez la réservation pour l'afficher ou le télécharger.",
        reservation.seats,
    ) % {
        "amount": dt(reservation.total_price),
        "trip": _trip_words(reservation),
        "seats": reservation.seats,
    }
    return title, body


def notify_payment_received(reservation, **_extra):
    return _send("payment_received", reservation, {}, ticket=True)


@_renders("reservation_cancelled")
def _reservation_cancelled(params):
    reservation = _reservation(params["reservation"])
    body = _("Votre réservation %(code)s (%(trip)s) est annulée.") % {
        "code": reservation.code,
        "trip": _trip_words(reservation),
    }
    return _("Réservation annulée"), body + _refund_words(reservation, params.get("refunded"))


def notify_reservation_cancelled(reservation, refunded=False, **_extra):
    return _send("reservation_cancelled", reservation, {"refunded": bool(refunded)})


@_renders("trip_cancelled")
def _trip_cancelled(params):
    reservation = _reservation(params["reservation"])
    body = _(
        "Le départ %(trip)s est annulé par la station ; votre réservation %(code)s l'est aussi."
    ) % {
        "trip": _trip_words(reservation),
        "code": reservation.code,
    }
    return _("Départ annulé"), body + _refund_words(reservation, params.get("refunded"))


def notify_trip_cancelled(reservation, refunded=False, **_extra):
    return _send("trip_cancelled", reservation, {"refunded": bool(refunded)})


@_renders("hold_expiring")
def _hold_expiring(params):
    reservation = _reservation(params["reservation"])
    body = _("Payez la réservation %(code)s (%(trip)s) avant %(time)s pour garder vos places.") % {
        "code": reservation.code,
        "trip": _trip_words(reservation),
        "time": format_local(reservation.expires_at, "time"),
    }
    return _("Vos places expirent bientôt"), body


def notify_hold_expiring(reservation, **_extra):
    return _send("hold_expiring", reservation, {})


@_renders("no_show")
def _no_show(params):
    reservation = _reservation(params["reservation"])
    body = _(
        "Vous ne vous êtes pas présenté à l'embarquement (%(trip)s) : votre place de la réservation %(code)s a été libérée."
    ) % {"trip": _trip_words(reservation), "code": reservation.code}
    if params.get("refunded"):
        body += _refund_words(reservation, True)
    else:
        body += " " + _("Selon la règle de la station, le billet n'est pas remboursé.")
    return _("Place libérée"), body


def notify_no_show(reservation, refunded=False, **_extra):
    return _send("no_show", reservation, {"refunded": bool(refunded)}, linked=False)


@_renders("louage_loading")
def _louage_loading(params):
    reservation = _reservation(params["reservation"])
    plate = reservation.trip.vehicle.plate
    title = _("Votre louage %(plate)s est en chargement") % {"plate": plate}
    body = _(
        "Le louage %(plate)s de votre réservation %(code)s (%(trip)s) est maintenant en tête de file : présentez-vous au guichet."
    ) % {"plate": plate, "code": reservation.code, "trip": _trip_words(reservation)}
    return title, body


def notify_louage_loading(reservation, **_extra):
    return _send("louage_loading", reservation, {}, linked=False)


@_renders("webhook_disabled")
def _webhook_disabled(params):
    body = _(
        "Le webhook %(url)s échoue depuis plusieurs jours : il est désactivé. "
        'Réactivez-le (PATCH /api/v1/webhooks/%(id)s {"active": true}) une fois '
        "le partenaire rétabli."
    ) % {"url": params["url"], "id": params["endpoint"]}
    return _("Webhook désactivé"), body


def notify_webhook_disabled(owner, *, url, endpoint_id):
    params = {"url": url, "endpoint": endpoint_id}
    with translation.override(recipient_language(owner)):
        title, body = _webhook_disabled(params)
    return notify(user=owner, kind="webhook_disabled", title=title, body=body, params=params)


@_renders("notice")
def _notice(params):
    from louage.stations.models import Station

    reservation = _reservation(params["reservation"])
    station = Station.objects.get(pk=params["station"])
    title = _("Message de la station %(station)s") % {"station": station.local_name}
    return title, f"{params['text']}\n\n({_trip_words(reservation)})"


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
    texted = set()  # walk-ins' phones: the SMS subscriber texts them (louage.sms)
    unreached = []
    for reservation in live:
        client = reservation.client
        if client is None:
            phone = reservation.passenger_phone
            if phone and sms_selectors.can_text(phone):
                texted.add(phone)
            elif phone and sms_selectors.sms_enabled():
                unreached.append(Unreached(reservation, _("a refusé les SMS (STOP)")))
            else:
                unreached.append(Unreached(reservation, _("vendu au guichet, sans compte Louage")))
        elif not client.is_active or client.deleted_at is not None:
            unreached.append(Unreached(reservation, _("compte supprimé ou désactivé")))
        else:
            recipients.setdefault(client.pk, (client, reservation))
    for _client, reservation in recipients.values():
        _send("notice", reservation, {"station": station.pk, "text": text})
    audit(
        actor=by,
        action="notice.posted",
        obj=notice,
        station_id=station.pk,
        recipients=len(recipients) + len(texted),
        unreached=len(unreached),
    )
    # Internal event: the SMS subscriber texts the travellers who have a phone number.
    events.record("notice.posted", data={"id": notice.pk, "trip_ids": [t.pk for t in trips]},
                  station_id=station.pk, subject=f"notice:{notice.pk}")  # fmt: skip
    return NoticeOutcome(
        notice=notice,
        reached=len(recipients) + len(texted),
        unreached=unreached,
        by_sms_only=len(texted),
    )


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
    reached: int  # accounts notified in the app and by email, and walk-ins texted by SMS
    unreached: list  # [Unreached]: walk-ins without a phone (or SMS off), deleted accounts
    by_sms_only: int = 0  # walk-ins reached by SMS alone


def mark_read(*, notification, by):
    if notification.user_id != by.pk:
        raise NotAllowed()
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=clock.now()
    )
    notification.refresh_from_db()
    return notification


def mark_shown(*, user, notifications):
    """The notifications a page just showed its owner are read: the bell clears on visiting
    the list, as people expect. The objects keep their old `read_at`, so the page still
    marks them new this once."""
    ids = [n.pk for n in notifications if n.read_at is None and n.user_id == user.pk]
    if ids:
        Notification.objects.filter(pk__in=ids, read_at__isnull=True).update(read_at=clock.now())


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
    with translation.override(recipient_language(notification.user)):
        title, body = localize(notification)
    message = {
        "title": title,
        "body": body[:300],
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
