"""Times bucketed by Africa/Tunis day, hour and month inside the database.

PostgreSQL converts with `AT TIME ZONE` (Django's Trunc/Extract with tzinfo). On SQLite those
call a Python function per row; when the zone's offset is constant over the period (Tunisia
has had no daylight-saving change since 2008), SQLite's own C date functions shift by that
constant instead, which keeps a report over 100,000 departures well under a second.
"""

from django.db import connection
from django.db.models import DateField, F, Func, IntegerField, Value
from django.db.models.functions import Cast, ExtractHour, TruncDate, TruncMonth

from .periods import TUNIS


def _sqlite_shift(period):
    if connection.vendor != "sqlite":
        return None
    offset = period.utc_offset_seconds()
    return None if offset is None else Value(f"{offset:+d} seconds")


def local_date(field, period):
    """The Africa/Tunis date of the datetime column `field`."""
    shift = _sqlite_shift(period)
    if shift is not None:
        return Func(F(field), shift, function="date", output_field=DateField())
    return TruncDate(field, tzinfo=TUNIS)


def local_month(field, period):
    """The first day of the Africa/Tunis month of `field` (a date)."""
    shift = _sqlite_shift(period)
    if shift is not None:
        return Func(
            F(field), shift, Value("start of month"), function="date", output_field=DateField()
        )
    return TruncMonth(field, tzinfo=TUNIS, output_field=DateField())


def local_hour(field, period):
    """The Africa/Tunis hour (0–23) of `field`."""
    shift = _sqlite_shift(period)
    if shift is not None:
        return Cast(
            Func(Value("%H"), F(field), shift, function="strftime"), output_field=IntegerField()
        )
    return ExtractHour(field, tzinfo=TUNIS)
