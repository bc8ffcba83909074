from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("stations/_map.html")
def station_map(points, mode="view", label=""):
    """A Leaflet map of `points` (stations.selectors.map_points). mode "place": a click sets
    the form's latitude and longitude. Tiles come from MAP_TILE_URL (none when empty); the
    markers show whether or not the tiles load."""
    return {
        "points": points,
        "mode": mode,
        "label": label,
        "tile_url": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
    }
