"""Template side of louage.core.times: `{{ trip.departure|tunis:"short" }}`."""

from django import template

from louage.core import times

register = template.Library()


@register.filter
def tunis(value, style="short"):
    """A datetime shown in Africa/Tunis, whatever time zone is active."""
    try:
        return times.format_local(value, style)
    except (AttributeError, TypeError, ValueError):
        return ""


@register.filter
def departure_label(value):
    """'Aujourd'hui 00:30', 'Demain 08:15', 'jeu. 27/11 00:30'."""
    return times.format_departure(value) if value else ""


@register.filter
def day_label(value):
    return times.day_label(value) if value else ""


@register.filter
def duration(minutes):
    return times.format_duration(minutes) if minutes is not None else ""


@register.simple_tag
def today_iso(days=0):
    """Today's date in Tunis (plus `days`), as a date input wants it: 2026-11-27."""
    from datetime import timedelta

    return (times.local_today() + timedelta(days=days)).isoformat()


@register.filter
def moment(value):
    """'14:30' today, 'demain 14:30', else 'jeu. 27/11 14:30' (inside a sentence)."""
    return times.format_moment(value) if value else ""
