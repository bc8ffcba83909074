"""The audit log: who did what to which object, when, from which address, and what changed.

Every state-changing service writes one entry in its own transaction. The request's client
address and id are bound by the outermost middleware (louage.core.observability), so
services never pass a request around. Entries are never edited or deleted by the app.
"""

import contextvars
import datetime
import decimal
from contextlib import contextmanager

from .models import AuditEntry

_origin = contextvars.ContextVar("louage_audit_origin", default=(None, ""))


@contextmanager
def request_origin(*, ip, request_id):
    """Entries written inside come from this client address and request."""
    token = _origin.set((ip or None, request_id or ""))
    try:
        yield
    finally:
        _origin.reset(token)


def _plain(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def values(obj, fields):
    """The given fields of `obj`, as JSON-friendly values (foreign keys as ids)."""
    return {field: _plain(getattr(obj, field, None)) for field in fields}


def changes(before, after):
    """(before, after) limited to the fields whose value changed."""
    changed = [key for key in after if before.get(key) != after.get(key)]
    return {k: before.get(k) for k in changed}, {k: after.get(k) for k in changed}


def audit(*, actor, action, obj, station_id=None, before=None, after=None, **data):
    """Record one audit entry; call inside the service's transaction so it shares its fate."""
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    ip, request_id = _origin.get()
    return AuditEntry.objects.create(
        actor_id=actor_id,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        station_id=station_id,
        before=before,
        after=after,
        data={key: _plain(value) for key, value in data.items()},
        ip=ip,
        request_id=request_id,
    )
