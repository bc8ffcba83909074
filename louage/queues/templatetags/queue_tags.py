from django import template
from django.utils.translation import gettext as _

from louage.queues import selectors

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
