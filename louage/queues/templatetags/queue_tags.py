from django import template
from django.utils.translation import gettext as _

from louage.core.times import format_duration, format_local
from louage.queues import selectors
from louage.queues.models import TurnStatus

register = template.Library()


@register.simple_tag
def estimate_note(view):
    if view.seats_per_minute:
        return _(
            "Départ estimé d'après le rythme récent de la station (environ %(n)s places vendues par heure) : une estimation, pas un horaire."
        ) % {"n": round(view.seats_per_minute * 60)}
    return _(
        "Pas encore assez de départs récents pour estimer l'heure : le louage part quand il est complet."
    )


@register.inclusion_tag("queues/_next_louages.html")
def next_louages(station, both_names=False):
    """The station's queues, for its page: "prochain louage vers Sousse : 5 places libres…"."""
    return {
        "views": selectors.build_views(selectors.queues_of_station(station)),
        "both_names": both_names,
    }


@register.inclusion_tag("queues/_next_louages.html")
def next_louages_for_search(form):
    """Queues matching a valid search (an origin is required: every station has queues)."""
    if not form.is_bound or not form.is_valid() or not form.cleaned_data.get("origin"):
        return {"views": []}
    queues = selectors.search_queues(
        origin=form.cleaned_data["origin"], destination=form.cleaned_data.get("destination")
    )
    return {"views": selectors.build_views(queues[:10]), "origin_shown": True}


@register.simple_tag
def queue_turn(trip):
    """(QueueView, TurnView) of a queue trip still waiting or loading; (None, None) otherwise."""
    if getattr(trip, "kind", None) != "queue":
        return None, None
    return selectors.turn_of_trip(trip)


@register.simple_tag
def estimate(moment):
    """The one way an estimated departure reads: 'vers 08:11 (dans ~25 min)'."""
    if moment is None:
        return ""
    return _("vers %(time)s (dans ~%(duration)s)") % {
        "time": format_local(moment, "time"),
        "duration": format_duration(selectors.minutes_until(moment)),
    }


def _is_queue_at_station(trip):
    return getattr(trip, "kind", None) == "queue" and trip.status == "scheduled"


@register.simple_tag
def departure_text(trip, style="long"):
    """When a departure leaves, as a traveller reads it: the hour of a timed departure; for a
    depart-when-full louage still at the station its turn and the one estimate, never the
    hour it started loading (which has passed)."""
    if not _is_queue_at_station(trip):
        return format_local(trip.departure, style)
    _view, turn = selectors.turn_of_trip(trip)
    if turn is None:
        return _("quand le louage est complet")
    if turn.is_loading:
        state = str(TurnStatus.LOADING.label)
    else:
        state = _("%(rank)se de la file") % {"rank": turn.rank}
    when = estimate(turn.estimated_departure) or _("quand le louage est complet")
    return f"{state} · {when}"


@register.simple_tag
def status_text(trip):
    """A departure's state: "En chargement" / "En attente" for a louage still in its queue,
    never "Programmé" (it has no hour)."""
    if not _is_queue_at_station(trip):
        return trip.get_status_display()
    _view, turn = selectors.turn_of_trip(trip)
    if turn is None:
        return trip.get_status_display()
    return str(turn.turn.get_status_display())
