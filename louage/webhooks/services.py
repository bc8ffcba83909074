"""Partner webhooks: admins manage endpoints; deliveries are made by the task worker, after
the change committed, never inside a request.

Lock order: delivery row (SKIP LOCKED), then its endpoint row.
"""

import json
import logging
import random
from datetime import timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from louage.accounts.models import Role
from louage.core import events as domain_events
from louage.core.audit import audit
from louage.core.errors import InvalidTransition, NotAllowed
from louage.core.errors import field_error as _invalid
from louage.core.times import api_time

from . import network, secrets
from .models import Delivery, DeliveryStatus, Endpoint

logger = logging.getLogger("louage.webhooks")

TIMEOUT_SECONDS = 10
RETRY_FOR = timedelta(hours=24)
MAX_PAUSE = timedelta(hours=2)


def _require_admin(by):
    if getattr(by, "role", None) != Role.ADMIN:
        raise NotAllowed()


def _clean_events(events):
    if not isinstance(events, list) or not events:
        raise _invalid("events", _("Choisissez au moins un événement."))
    unknown = sorted({e for e in events if e not in domain_events.PUBLIC_TYPES})
    if unknown:
        raise _invalid(
            "events",
            _("Événements inconnus : %(names)s. Possibles : %(known)s.")
            % {
                "names": ", ".join(map(str, unknown)),
                "known": ", ".join(domain_events.PUBLIC_TYPES),
            },
        )
    return sorted(set(events))


def _clean_url(url):
    url = (url or "").strip()
    if len(url) > 500:
        raise _invalid("url", _("Adresse trop longue (500 caractères au plus)."))
    try:
        network.check_url(url)
    except network.ForbiddenAddress as exc:
        raise _invalid(
            "url",
            _("Adresse refusée : %(reason)s. Un webhook part vers une adresse publique.")
            % {"reason": exc},
        ) from None
    return url


@transaction.atomic
def create_endpoint(*, by, url, events, description=""):
    """→ (endpoint, secret): the secret is shown to the admin this once."""
    _require_admin(by)
    secret = secrets.new_secret()
    endpoint = Endpoint.objects.create(
        url=_clean_url(url), events=_clean_events(events), description=(description or "")[:200],
        encrypted_secret=secrets.encrypt(secret), created_by=by,
    )  # fmt: skip
    audit(actor=by, action="webhook.created", obj=endpoint, url=endpoint.url,
          events=endpoint.events)  # fmt: skip
    return endpoint, secret


@transaction.atomic
def rotate_secret(*, endpoint, by=None):
    """A new signing secret for a partner's endpoint → (endpoint, secret), shown this once.
    Every delivery from now on is signed with it. `by` is an admin, or None for the operator
    at the server's console (`manage.py rotate_webhook_secret`)."""
    if by is not None:
        _require_admin(by)
    endpoint = Endpoint.objects.select_for_update(no_key=True).get(pk=endpoint.pk)
    secret = secrets.new_secret()
    endpoint.encrypted_secret = secrets.encrypt(secret)
    endpoint.save(update_fields=["encrypted_secret"])
    audit(actor=by, action="webhook.secret_rotated", obj=endpoint, url=endpoint.url)
    return endpoint, secret


def reencrypt_secrets():
    """Every stored secret encrypted under the current SECRET_KEY (after a key rotation, before
    the old key leaves SECRET_KEY_FALLBACKS) → how many. The secrets themselves do not change."""
    count = 0
    for pk in Endpoint.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            endpoint = Endpoint.objects.select_for_update(no_key=True).filter(pk=pk).first()
            if endpoint is None:
                continue
            endpoint.encrypted_secret = secrets.reencrypt(endpoint.encrypted_secret)
            endpoint.save(update_fields=["encrypted_secret"])
            count += 1
    return count


@transaction.atomic
def update_endpoint(*, by, endpoint, **changes):
    _require_admin(by)
    endpoint = Endpoint.objects.select_for_update(no_key=True).get(pk=endpoint.pk)
    before = {"url": endpoint.url, "events": endpoint.events, "active": endpoint.active,
              "description": endpoint.description}  # fmt: skip
    if "url" in changes:
        endpoint.url = _clean_url(changes["url"])
    if "events" in changes:
        endpoint.events = _clean_events(changes["events"])
    if "description" in changes:
        endpoint.description = (changes["description"] or "")[:200]
    if "active" in changes:
        if not isinstance(changes["active"], bool):
            raise _invalid("active", _("Vrai ou faux."))
        endpoint.active = changes["active"]
        if endpoint.active:
            endpoint.disabled_at = endpoint.failing_since = None
    endpoint.save()
    after = {key: getattr(endpoint, key) for key in before}
    audit(actor=by, action="webhook.updated", obj=endpoint, before=before, after=after)
    return endpoint


@transaction.atomic
def delete_endpoint(*, by, endpoint):
    _require_admin(by)
    audit(actor=by, action="webhook.deleted", obj=endpoint, url=endpoint.url)
    endpoint.delete()


@transaction.atomic
def retry_delivery(*, by, delivery):
    """An admin sends a delivery again now (a failed one, or a pending one sooner)."""
    _require_admin(by)
    changed = Delivery.objects.filter(
        pk=delivery.pk, status__in=[DeliveryStatus.FAILED, DeliveryStatus.PENDING]
    ).update(status=DeliveryStatus.PENDING, next_attempt_at=timezone.now())
    if not changed:
        raise InvalidTransition(_("Cette livraison a déjà réussi."), code="already_delivered")
    audit(actor=by, action="webhook.delivery_retried", obj=delivery.endpoint, delivery=delivery.pk)
    transaction.on_commit(lambda: _enqueue(delivery.pk))
    delivery.refresh_from_db()
    return delivery


# --- delivering ---------------------------------------------------------------------------


def wanted_types():
    """The event types at least one active endpoint asked for."""
    wanted = set()
    for types in Endpoint.objects.filter(active=True).values_list("events", flat=True):
        wanted.update(types)
    return frozenset(wanted)


def schedule_deliveries(event):
    """Subscriber of every public event: one pending delivery per active endpoint that asked
    for its type (unique per endpoint and event: a relayed-again event adds nothing)."""
    if event.type not in domain_events.PUBLIC_TYPES:
        return 0
    endpoints = [e for e in Endpoint.objects.filter(active=True) if event.type in e.events]
    if not endpoints:
        return 0
    Delivery.objects.bulk_create(
        [Delivery(endpoint=e, event=event) for e in endpoints], ignore_conflicts=True
    )
    due = list(
        Delivery.objects.filter(event=event, status=DeliveryStatus.PENDING).values_list(
            "pk", flat=True
        )
    )
    transaction.on_commit(lambda: [_enqueue(pk) for pk in due])
    return len(due)


def _enqueue(delivery_id, run_after=None):
    from .tasks import deliver

    try:
        task = deliver.using(run_after=run_after) if run_after else deliver
        task.enqueue(delivery_id)
    except Exception:  # the sweeper picks overdue deliveries up
        logger.exception("could not queue webhook delivery %s", delivery_id)


def body_of(event):
    return json.dumps(
        {
            "id": str(event.event_id),
            "type": event.type,
            "created_at": api_time(event.created_at),
            "data": event.data,
        },
        separators=(",", ":"),
        sort_keys=True,
    ).encode()


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport, connecting only through network.GuardedBackend."""

    def __init__(self):
        super().__init__(retries=0)
        import httpcore

        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=network.GuardedBackend()
        )


def _post(endpoint, delivery, event):
    body = body_of(event)
    timestamp = int(timezone.now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Louage-Webhooks/1",
        "X-Louage-Event": event.type,
        "X-Louage-Delivery": str(delivery.pk),
        "X-Louage-Signature": secrets.signature(
            secrets.decrypt(endpoint.encrypted_secret), timestamp, body
        ),
    }
    with httpx.Client(transport=GuardedTransport(), timeout=TIMEOUT_SECONDS,
                      follow_redirects=False) as http:  # fmt: skip
        return http.post(endpoint.url, content=body, headers=headers)


def _pause(attempts):
    """Exponential backoff with jitter: about 30 s, 1 min, 2 min… capped at two hours."""
    base = min(timedelta(seconds=30 * 2 ** (attempts - 1)), MAX_PAUSE)
    return base * random.uniform(0.5, 1.5)  # noqa: S311 - jitter, not a secret


def deliver(delivery_id):
    """Send one due delivery (task worker). A 2xx within 10 s is success; anything else is
    tried again later with backoff for 24 h, then marked failed. Returns the status.

    No database transaction stays open while the partner answers (on SQLite it would hold
    the write lock and stall bookings): the delivery is leased in one short transaction,
    sent, and its outcome written in another."""
    now = timezone.now()
    lease = now + timedelta(seconds=TIMEOUT_SECONDS * 3)
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(no_key=True, skip_locked=True, of=("self",))
            .select_related("endpoint", "event")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
            .first()
        )
        if delivery is None:
            return None  # done, or being sent by another worker right now
        if delivery.next_attempt_at > now:
            # Not due (a later attempt, or leased by a worker that may have died): this task
            # comes back when it is, so a lost worker never strands a delivery.
            transaction.on_commit(lambda: _enqueue(delivery.pk, run_after=delivery.next_attempt_at))
            return None
        if not delivery.endpoint.active:
            delivery.status, delivery.last_error = DeliveryStatus.FAILED, "endpoint disabled"
            delivery.save(update_fields=["status", "last_error"])
            return delivery.status
        # Leased: another worker finds it not due until the lease runs out.
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=lease)
    endpoint, event = delivery.endpoint, delivery.event
    status_code, error = None, ""
    try:
        response = _post(endpoint, delivery, event)
        status_code = response.status_code
        ok = 200 <= status_code < 300
        if not ok:
            error = f"HTTP {status_code}"
    except network.ForbiddenAddress as exc:
        ok, error = False, f"forbidden address: {exc}"
    except httpx.HTTPError as exc:
        ok, error = False, f"{exc.__class__.__name__}: {exc}"
    with transaction.atomic():
        now = timezone.now()
        delivery.attempts += 1
        delivery.last_attempt_at, delivery.last_status_code = now, status_code
        delivery.last_error = error[:300]
        if ok:
            delivery.status, delivery.delivered_at = DeliveryStatus.SUCCEEDED, now
            Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        else:
            _failed(delivery, endpoint, now)
        delivery.save()
    if delivery.status == DeliveryStatus.PENDING:
        _enqueue(delivery.pk, run_after=delivery.next_attempt_at)
    return delivery.status


def _failed(delivery, endpoint, now):
    if now - delivery.created_at >= RETRY_FOR:
        delivery.status = DeliveryStatus.FAILED
    else:
        delivery.next_attempt_at = now + _pause(delivery.attempts)
    failing_since = endpoint.failing_since or now
    if endpoint.failing_since is None:
        Endpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
            failing_since=now
        )
    if now - failing_since >= timedelta(days=settings.WEBHOOKS_DISABLE_AFTER_DAYS):
        _disable(endpoint, now)


def _disable(endpoint, now):
    if Endpoint.objects.filter(pk=endpoint.pk, active=True).update(active=False, disabled_at=now):
        logger.warning("webhook %s disabled after failing since %s", endpoint.url,
                       endpoint.failing_since)  # fmt: skip
        audit(actor=None, action="webhook.disabled", obj=endpoint, url=endpoint.url)
        # Its owner hears it (notifications subscribe to this internal event).
        domain_events.record(
            "webhook.disabled",
            data={"endpoint_id": endpoint.pk, "url": endpoint.url,
                  "owner_id": endpoint.created_by_id},
            subject=f"webhook:{endpoint.pk}",
        )  # fmt: skip


def enqueue_overdue():
    """Safety net (the sweeper): deliveries due for half a minute that no task took — a
    queueing that failed — are queued again. Returns how many."""
    overdue = list(
        Delivery.objects.filter(
            status=DeliveryStatus.PENDING,
            next_attempt_at__lt=timezone.now() - timedelta(seconds=30),
        ).values_list("pk", flat=True)[:500]
    )
    for pk in overdue:
        _enqueue(pk)
    return len(overdue)
