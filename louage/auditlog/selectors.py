"""Reading the audit log (louage.core.audit writes it): admins read every entry, a chief the
entries of the station it runs.

A chief sees what the station needs — who acted (a staff member's name and role, a traveller
as a role only), what, when — and no personal data of travellers: no email, no client
address, and the author filters match staff only. Admins see everything."""

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


STAFF = (Role.ADMIN, Role.CHIEF)


def sees_everything(user):
    return getattr(user, "role", None) == Role.ADMIN


def entries(*, user, station_id=None, actor_id=None, actor="", action="", day_from=None,
            day_to=None):  # fmt: skip
    """Newest first. `action` matches a whole action or a family ("trip." for trip.*);
    `actor` matches an email or a name (a chief: a staff member's name only, so that no
    traveller's address can be tried); days are Africa/Tunis days, both included."""
    if day_from and day_to:
        check_period(day_from, day_to)
    query = AuditEntry.objects.select_related("actor")
    stations = scope_of(user, station_id)
    if stations is not None:
        query = query.filter(station_id__in=stations)
    everything = sees_everything(user)
    if actor_id:
        query = query.filter(actor_id=actor_id)
        if not everything:
            query = query.filter(actor__role__in=STAFF)
    if actor:
        names = Q(actor__last_name__icontains=actor) | Q(actor__first_name__icontains=actor)
        query = query.filter(
            names | Q(actor__email__icontains=actor)
            if everything
            else names & Q(actor__role__in=STAFF)
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


def actor_of(entry, reader):
    """(actor id, label) as `reader` may see them: for an admin the id and the email; for a
    chief a staff member's id, name and role, a traveller's role alone."""
    actor = entry.actor
    if actor is None:
        return None, None
    if sees_everything(reader):
        return actor.pk, actor.email
    role = Role(actor.role) if actor.role in Role.values else Role.CLIENT
    if role in STAFF:
        return actor.pk, f"{actor.get_full_name() or role.label} ({role.label})"
    return None, str(role.label)


def ip_of(entry, reader):
    return entry.ip if sees_everything(reader) else None


def shown_to(reader, entries):
    """The entries of a page with what `reader` may see set on them (`actor_label`,
    `shown_ip`), for the journal page."""
    for entry in entries:
        _id, entry.actor_label = actor_of(entry, reader)
        entry.shown_ip = ip_of(entry, reader)
    return entries
