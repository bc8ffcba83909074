from django.db.models import Q

from .models import Station, Vehicle


def search_stations(*, query="", city="", include_inactive=False):
    stations = Station.objects.select_related("chief")
    if not include_inactive:
        stations = stations.filter(is_active=True)
    if query:
        stations = stations.filter(Q(name__icontains=query) | Q(city__icontains=query))
    if city:
        stations = stations.filter(city__iexact=city)
    return stations.order_by("city", "name", "pk")


def vehicles_for_user(user, *, station_id=None, active=None):
    vehicles = Vehicle.objects.select_related("station")
    if user.role != "admin":
        vehicles = vehicles.filter(station__chief=user)
    if station_id:
        vehicles = vehicles.filter(station_id=station_id)
    if active is not None:
        vehicles = vehicles.filter(active=active)
    return vehicles.order_by("plate", "pk")
