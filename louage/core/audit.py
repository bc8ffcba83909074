from .models import AuditEntry


def audit(*, actor, action, obj, station_id=None, **data):
    """Record one audit entry; call inside the service's transaction so it shares its fate."""
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor_id=actor_id,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        station_id=station_id,
        data=data,
    )
