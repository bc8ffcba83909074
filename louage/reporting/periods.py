"""Report periods: whole Africa/Tunis days, from the presets of the dashboard or given dates."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from louage.core import clock
from louage.core.errors import InvalidInput
from louage.core.times import MAX_PERIOD_DAYS, TUNIS, check_period

MAX_DAYS = MAX_PERIOD_DAYS
# Dates outside these years are typing mistakes (and 9999-12-31 + 1 day would overflow).
FIRST_YEAR, LAST_YEAR = 2000, 2100

PRESETS = {
    "7d": gettext_lazy("7 derniers jours"),
    "30d": gettext_lazy("30 derniers jours"),
    "12m": gettext_lazy("12 derniers mois"),
    "custom": gettext_lazy("Dates choisies"),
}
DEFAULT_PRESET = "30d"


def local_today():
    return clock.now().astimezone(TUNIS).date()


@dataclass(frozen=True)
class Period:
    """From `first` to `last`, both included, as Africa/Tunis days."""

    first: date
    last: date

    @property
    def start(self):
        """The first instant of the period (aware, Africa/Tunis)."""
        return datetime.combine(self.first, time.min, tzinfo=TUNIS)

    @property
    def end(self):
        """The first instant after the period."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=TUNIS)

    @property
    def days(self):
        return (self.last - self.first).days + 1

    def dates(self):
        return [self.first + timedelta(days=n) for n in range(self.days)]

    def months(self):
        """'YYYY-MM' of every month the period touches, in order."""
        months, day = [], self.first.replace(day=1)
        while day <= self.last:
            months.append(f"{day:%Y-%m}")
            day = (day + timedelta(days=32)).replace(day=1)
        return months

    def utc_offset_seconds(self):
        """The zone's UTC offset if it is the same all through the period, else None (a
        daylight-saving change inside it). Lets SQLite shift times by a constant in C."""
        offsets = {
            int(datetime.combine(day, time.min, tzinfo=TUNIS).utcoffset().total_seconds())
            for day in [*self.dates(), self.last + timedelta(days=1)]
        }
        return offsets.pop() if len(offsets) == 1 else None

    def query(self):
        """The period as query-string parameters (links, exports)."""
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def preset_period(preset, today=None):
    today = today or local_today()
    if preset == "7d":
        return Period(today - timedelta(days=6), today)
    if preset == "12m":
        month = today.replace(day=1)
        for _i in range(11):
            month = (month - timedelta(days=1)).replace(day=1)
        return Period(month, today)
    return Period(today - timedelta(days=29), today)


def _parse_date(value, field):
    try:
        day = date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        day = None
    if day is None or len(str(value).strip()) != 10:
        raise InvalidInput(
            _("« %(field)s » doit être une date au format AAAA-MM-JJ.") % {"field": field},
            code="invalid_date",
            errors=[{"field": field, "message": _("Date attendue au format AAAA-MM-JJ.")}],
        )
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidInput(
            _("« %(field)s » doit être une date entre %(low)s et %(high)s.")
            % {"field": field, "low": FIRST_YEAR, "high": LAST_YEAR},
            code="invalid_date",
            errors=[{"field": field, "message": _("Date hors des limites.")}],
        )
    return day


def parse_period(first=None, last=None, *, default=DEFAULT_PRESET, names=("from", "to")):
    """The period between two ISO dates (strings, both included). Either missing: the
    default preset's bound. Raises InvalidInput (422) for a malformed date, a start after
    the end or more than MAX_DAYS days."""
    fallback = preset_period(default)
    first = _parse_date(first, names[0]) if first not in (None, "") else None
    last = _parse_date(last, names[1]) if last not in (None, "") else None
    if first is None and last is None:
        return fallback
    if last is None:
        last = max(first, fallback.last)
        last = min(last, first + timedelta(days=MAX_DAYS - 1))
    if first is None:
        first = last - timedelta(days=fallback.days - 1)
    check_period(first, last, names=names)
    period = Period(first, last)
    return period
