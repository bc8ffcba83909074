"""A movable clock for the queue tests (the queue fixtures live in tests/conftest.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import QUEUE_FARE as FARE  # noqa: F401  (the tests import it from here)


class Clock:
    def __init__(self):
        self.now = timezone.now()

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr("louage.core.clock.now", fake)
    return fake
