"""Who may read which report: admins the whole network or any station, a chief the sales of
their own station only."""

from django.utils.translation import gettext as _

from louage.accounts.models import Role
from louage.core.errors import InvalidInput, NotAllowed, NotFound
from louage.stations.models import Station


def parse_station_id(value, field="station_id"):
    """A station id from a query string ("12"), None when absent; 422 when not an id of an
    existing station."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    station_id = int(text) if text.isdigit() and len(text) <= 19 else None
    if station_id is None or not Station.objects.filter(pk=station_id).exists():
        if station_id is None:
            raise InvalidInput(
                _("Station inconnue : %(value)s.") % {"value": text[:30]},
                code="unknown_station",
                errors=[{"field": field, "message": _("Aucune station n'a cet identifiant.")}],
            )
        raise NotFound(
            _("Station inconnue : %(value)s.") % {"value": text[:30]},
            code="unknown_station",
            errors=[{"field": field, "message": _("Aucune station n'a cet identifiant.")}],
        )
    return station_id


def chief_station_id(user):
    return Station.objects.filter(chief_id=user.pk).values_list("pk", flat=True).first()


def sales_scope(user, station_id):
    """The station whose sales `user` may read when asking for `station_id` (None: the
    whole network, admins only). Raises NotAllowed."""
    role = getattr(user, "role", None)
    if role == Role.ADMIN:
        return station_id
    if role == Role.CHIEF:
        own = chief_station_id(user)
        if own is None:
            raise NotAllowed(_("Vous n'êtes chef d'aucune station."))
        if station_id is not None and station_id != own:
            raise NotAllowed(_("Vous ne voyez que les chiffres de votre station."))
        return own
    raise NotAllowed()


def check_can_read_visits(user):
    if getattr(user, "role", None) != Role.ADMIN:
        raise NotAllowed(_("Les statistiques de visites sont réservées aux administrateurs."))
