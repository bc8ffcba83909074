"""Distances between stations, for estimated journey times."""

import math

# Great-circle distance × this ≈ the road distance between Tunisian cities.
ROAD_FACTOR = 1.25


def road_km(a, b):
    """Approximate road distance in km between two objects with latitude/longitude."""
    lat1, lon1, lat2, lon2 = map(
        math.radians, (float(a.latitude), float(a.longitude), float(b.latitude), float(b.longitude))
    )
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371 * 2 * math.asin(math.sqrt(h)) * ROAD_FACTOR
