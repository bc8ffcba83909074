"""Reading the audit log (louage.core.audit writes it): admins read every entry, a chief the
entries of the station it runs."""

from datetime import datetime, time, timedelta

from django.db.models import Q

from louage.accounts.models import Role
from louage.core.errors import NotAllowed
from louage.core.models import AuditEntry
from louage.core.times import TUNIS, check_period
from louage.stations.services import station_of


def scope_of(user, station_id=None):
    """The station ids `user` may read (None: all) — a chief asking for another station's
    entries is NotAllowed."""
    if getattr(user, "role", None) == Role.ADMIN:
        return [station_id] if station_id else None
    station = station_of(user)
    if station is None or (station_id and station_id != station.pk):
        raise NotAllowed()
    return [station.pk]


def entries(*, user, station_id=None, actor_id=None, actor="", action="", day_from=None,
            day_to=None):  # fmt: skip
    """Newest first. `action` matches a whole action or a family ("trip." for trip.*);
    `actor` matches an email or a name; days are Africa/Tunis days, both included."""
    if day_from and day_to:
        check_period(day_from, day_to)
    query = AuditEntry.objects.select_related("actor")
    stations = scope_of(user, station_id)
    if stations is not None:
        query = query.filter(station_id__in=stations)
    if actor_id:
        query = query.filter(actor_id=actor_id)
    if actor:
        query = query.filter(
            Q(actor__email__icontains=actor)
            | Q(actor__last_name__icontains=actor)
            | Q(actor__first_name__icontains=actor)
        )
    if action:
        query = (
            query.filter(action__startswith=action)
            if action.endswith(".")
            else query.filter(action=action)
        )
    if day_from:
        query = query.filter(created_at__gte=datetime.combine(day_from, time.min, tzinfo=TUNIS))
    if day_to:
        end = datetime.combine(day_to, time.min, tzinfo=TUNIS) + timedelta(days=1)
        query = query.filter(created_at__lt=end)
    return query.order_by("-created_at", "-id")


def known_actions():
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())
