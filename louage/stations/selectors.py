from django.db.models import Q

from louage.accounts.models import Role, User

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


def available_chiefs(*, station=None):
    """Active chiefs who run no station yet, and the given station's own chief."""
    chiefs = User.objects.filter(role=Role.CHIEF, is_active=True, deleted_at__isnull=True)
    free = Q(station__isnull=True)
    if station is not None and station.chief_id:
        free |= Q(pk=station.chief_id)
    return chiefs.filter(free).order_by("last_name", "first_name", "email")


def map_points(stations):
    """The stations' positions for the map (id, name, city, latitude, longitude)."""
    return [
        {
            "id": s.pk,
            "name": s.name,
            "city": s.city,
            "lat": float(s.latitude),
            "lng": float(s.longitude),
            "active": s.is_active,
        }
        for s in stations
    ]
