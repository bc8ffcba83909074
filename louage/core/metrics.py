"""Prometheus metrics. Request counts and latencies are kept by each web worker and added
up across workers (prometheus_client's multiprocess mode, PROMETHEUS_MULTIPROC_DIR set by
louage.core.web). Business figures are read from the database at scrape time, so the
task worker and the sweeper need no metrics of their own and nothing drifts after a restart.
"""

import os

from django.conf import settings
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

REQUESTS = Counter(
    "louage_http_requests_total", "HTTP requests answered", ["route", "method", "status"]
)
LATENCY = Histogram(
    "louage_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def observe_request(route, method, status, duration):
    REQUESTS.labels(route, method, str(status)).inc()
    LATENCY.labels(route).observe(duration)


class DatabaseFigures:
    """Bookings, expired holds, payment failures and the task queue, counted by the database."""

    def collect(self):
        from django.db.models import Count
        from django_tasks_db.models import DBTaskResult

        from louage.booking.models import Reservation, ReservationStatus
        from louage.payments.models import Payment, PaymentStatus

        by_status = dict(
            Reservation.objects.values_list("status").annotate(n=Count("pk")).order_by()
        )
        created = CounterMetricFamily(
            "louage_reservations", "Reservations made, by current status", labels=["status"]
        )
        # Every status has its sample, zero included: a series that appears only with its first
        # reservation cannot be graphed or alerted on before it.
        for status in sorted({*ReservationStatus.values, *by_status}):
            created.add_metric([status], by_status.get(status, 0))
        yield created
        expired = CounterMetricFamily("louage_holds_expired", "Seat holds that ran out unpaid")
        expired.add_metric([], by_status.get("expired", 0))
        yield expired
        failed = CounterMetricFamily("louage_payment_failures", "Online payments that failed")
        failed.add_metric([], Payment.objects.filter(status=PaymentStatus.FAILED).count())
        yield failed
        queue = GaugeMetricFamily(
            "louage_task_queue_depth", "Background tasks waiting to run", labels=["queue"]
        )
        waiting = (
            DBTaskResult.objects.ready()
            .values_list("queue_name")
            .annotate(n=Count("pk"))
            .order_by()
        )
        depths = {name: 0 for task_backend in settings.TASKS.values()
                  for name in task_backend.get("QUEUES", ["default"])}  # fmt: skip
        depths.update(dict(waiting))
        for name, count in sorted(depths.items()):
            queue.add_metric([name], count)
        yield queue


def render():
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    figures = CollectorRegistry()
    figures.register(DatabaseFigures())
    return generate_latest(registry) + generate_latest(figures), CONTENT_TYPE_LATEST
