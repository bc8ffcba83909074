from django.db import models
from django.db.models import F, Q
from django.db.models.query import ModelIterable
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from louage.stations.cities import CITY_CHOICES


class TripKind(models.TextChoices):
    SCHEDULED = "scheduled", _("Horaire fixe")
    QUEUE = "queue", _("Départ quand complet")


class TripStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Programmé")
    DEPARTED = "departed", _("Parti")
    CANCELLED = "cancelled", _("Annulé")


def attach_network(trips, network):
    """Yield `trips` with both stations and the route's set duration (`route_minutes`) taken
    from a trips.network.Network instead of joins and a subquery."""
    stations, durations = network.stations, network.durations
    origin_field, destination_field = Trip.origin.field, Trip.destination.field
    for trip in trips:
        origin = stations.get(trip.origin_id)
        destination = stations.get(trip.destination_id)
        if origin is not None and destination is not None:
            origin_field.set_cached_value(trip, origin)
            destination_field.set_cached_value(trip, destination)
            trip.route_minutes = durations.get((origin.city, destination.city))
        # else a station newer than the network: read when used, as without one
        yield trip


class NetworkIterable(ModelIterable):
    """Departures with their stations and route duration from the queryset's network."""

    def __iter__(self):
        return attach_network(super().__iter__(), self.queryset._network)


class ForgettingQuerySet(models.QuerySet):
    """Bulk writes (which send no model signal) call `forget` so that what is kept of the
    table elsewhere (search answers, the workers' network) is read again."""

    def forget(self):
        raise NotImplementedError

    def update(self, **kwargs):
        changed = super().update(**kwargs)
        if changed:
            self.forget()
        return changed

    def delete(self):
        self.forget()
        return super().delete()

    def bulk_create(self, *args, **kwargs):
        self.forget()
        return super().bulk_create(*args, **kwargs)

    def bulk_update(self, *args, **kwargs):
        self.forget()
        return super().bulk_update(*args, **kwargs)


class TripQuerySet(ForgettingQuerySet):
    """Every bulk write of departures forgets the cached search answers (search_cache).

    A search (trips.selectors.search_trips) is a queryset *answered by* a function: while it is
    only sliced, its rows come from `function(*args, low, high)` (a query compiled once) and
    its SQL is never built. Anything else (a count, a filter, an order, `all()`) builds the
    query first and goes through the ORM as usual."""

    _network = None
    _answer = None  # (function, args): the rows while the query is only sliced
    _build = None  # makes the query the first time it is needed

    @property
    def query(self):
        if self._build is not None:
            build, self._build = self._build, None
            built = build()
            built.query.set_limits(self._query.low_mark, self._query.high_mark)
            self._query = built.query
            self._iterable_class, self._network = built._iterable_class, built._network
        return models.QuerySet.query.fget(self)  # which applies a related manager's filter

    @query.setter
    def query(self, value):
        self._build = None
        models.QuerySet.query.fset(self, value)

    def _clone(self):
        clone = super()._clone()
        clone._network = self._network
        return clone

    def with_network(self, network):
        """Stations and route durations from `network` (trips.network), not the database."""
        clone = self._chain()
        clone._network = network
        clone._iterable_class = NetworkIterable
        return clone

    def answered_by(self, build, function, *args):
        """A queryset whose query is `build()`, made only when needed, and whose rows are
        `function(*args, low, high)` (the slice's bounds) while it is only sliced."""
        answered = self.__class__(model=self.model, using=self._db, hints=self._hints)
        answered._build, answered._answer = build, (function, args)
        return answered

    def __getitem__(self, k):
        if self._answer is None or not isinstance(k, slice) or k.step:
            return super().__getitem__(k)
        if (k.start is not None and k.start < 0) or (k.stop is not None and k.stop < 0):
            raise ValueError("Negative indexing is not supported.")
        if self._result_cache is not None:
            return self._result_cache[k]
        if self._build is None:
            sliced = super().__getitem__(k)
        else:  # still unbuilt: an empty query keeps the bounds until it is built
            sliced = self.__class__(model=self.model, query=self._query.chain(),
                                    using=self._db, hints=self._hints)  # fmt: skip
            sliced._build = self._build
            sliced._query.set_limits(k.start, k.stop)
        sliced._answer = self._answer
        return sliced

    def _fetch_all(self):
        if self._result_cache is None and self._answer is not None:
            function, args = self._answer
            self._result_cache = function(*args, self._query.low_mark, self._query.high_mark)
        super()._fetch_all()

    def forget(self):
        _forget_searches()


def _forget_searches(*_args, **_kwargs):
    from .search_cache import bump

    bump()


def _forget_network(*_args, **_kwargs):
    from .search_cache import bump_network

    bump_network()


class RouteDurationQuerySet(ForgettingQuerySet):
    """Every bulk write of durations makes the workers read them again (trips.network)."""

    def forget(self):
        _forget_network()


class Trip(models.Model):
    """A departure from one station to another. `price` is per seat, in millimes.

    Seats are only ever taken or given back by conditional UPDATEs in booking.services;
    the CHECK constraint below is the last line of defence against overselling.
    """

    kind = models.CharField(
        _("type"), max_length=10, choices=TripKind.choices, default=TripKind.SCHEDULED
    )
    origin = models.ForeignKey(
        "stations.Station",
        verbose_name=_("départ"),
        on_delete=models.PROTECT,
        related_name="departures",
    )
    destination = models.ForeignKey(
        "stations.Station",
        verbose_name=_("arrivée"),
        on_delete=models.PROTECT,
        related_name="arrivals",
    )
    vehicle = models.ForeignKey(
        "stations.Vehicle",
        verbose_name=_("véhicule"),
        on_delete=models.PROTECT,
        related_name="trips",
    )
    departure = models.DateTimeField(_("date et heure de départ"))
    price = models.PositiveIntegerField(_("prix par place (millimes)"))
    seats_total = models.PositiveSmallIntegerField(_("places"))
    seats_available = models.PositiveSmallIntegerField(_("places libres"))
    status = models.CharField(
        _("statut"), max_length=10, choices=TripStatus.choices, default=TripStatus.SCHEDULED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    departed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = TripQuerySet.as_manager()

    class Meta:
        verbose_name = _("départ")
        verbose_name_plural = _("départs")
        ordering = ["departure", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(seats_available__gte=0) & Q(seats_available__lte=F("seats_total")),
                name="trip_seats_available_in_range",
            ),
            models.CheckConstraint(
                condition=Q(seats_total__gte=1, seats_total__lte=9), name="trip_seats_total_1_9"
            ),
            models.CheckConstraint(condition=Q(price__gt=0), name="trip_price_positive"),
            models.CheckConstraint(
                condition=~Q(origin=F("destination")), name="trip_origin_not_destination"
            ),
        ]
        indexes = [
            # Search: one route, upcoming scheduled departures in time order.
            models.Index(
                fields=["origin", "destination", "status", "departure"], name="trip_search_idx"
            ),
            models.Index(fields=["status", "departure"], name="trip_status_departure_idx"),
            models.Index(fields=["vehicle", "departure"], name="trip_vehicle_departure_idx"),
        ]

    def __str__(self):
        return f"{self.origin} → {self.destination} {self.departure:%Y-%m-%d %H:%M}"

    @property
    def seats_taken(self):
        return self.seats_total - self.seats_available

    @cached_property
    def timing(self):
        """Duration and arrival (durations.timing): set for the route, else estimated."""
        from .durations import timing

        return timing(self)


class Fare(models.Model):
    """The official fare of a route (origin city → destination city), per seat, in millimes.

    Set by the authorities and kept by admins: no departure of the route may be priced above
    it, and depart-when-full (queue) departures take it as their price.
    """

    origin_city = models.CharField(_("ville de départ"), max_length=60, choices=CITY_CHOICES)
    destination_city = models.CharField(_("ville d'arrivée"), max_length=60, choices=CITY_CHOICES)
    price = models.PositiveIntegerField(_("tarif officiel par place (millimes)"))
    updated_at = models.DateTimeField(_("mis à jour le"), auto_now=True)

    class Meta:
        verbose_name = _("tarif officiel")
        verbose_name_plural = _("tarifs officiels")
        ordering = ["origin_city", "destination_city"]
        constraints = [
            models.UniqueConstraint(
                fields=["origin_city", "destination_city"], name="fare_one_per_route"
            ),
            models.CheckConstraint(condition=Q(price__gt=0), name="fare_price_positive"),
            models.CheckConstraint(
                condition=~Q(origin_city=F("destination_city")), name="fare_cities_differ"
            ),
        ]

    def __str__(self):
        return f"{self.origin_city} → {self.destination_city}"


class RouteDuration(models.Model):
    """How long the journey from one city to another takes, as set by an administrator.
    Without one, the duration is estimated from the stations' distance (and said to be)."""

    origin_city = models.CharField(_("ville de départ"), max_length=60)
    destination_city = models.CharField(_("ville d'arrivée"), max_length=60)
    minutes = models.PositiveSmallIntegerField(_("durée (minutes)"))
    updated_at = models.DateTimeField(auto_now=True)

    objects = RouteDurationQuerySet.as_manager()

    class Meta:
        verbose_name = _("durée de trajet")
        verbose_name_plural = _("durées de trajet")
        ordering = ["origin_city", "destination_city"]
        constraints = [
            models.UniqueConstraint(
                fields=["origin_city", "destination_city"], name="route_duration_unique"
            ),
            models.CheckConstraint(
                condition=Q(minutes__gte=5, minutes__lte=1440), name="route_duration_5_1440"
            ),
        ]

    def __str__(self):
        return f"{self.origin_city} → {self.destination_city}: {self.minutes} min"
