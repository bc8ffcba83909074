"""Times are stored in UTC and shown in Africa/Tunis. Every page, form label, email,
notification, PDF and API message formats a time here: never with the time zone of the
datetime at hand (`timezone.now()` is UTC, so a 00:30 departure would read 23:30 the day
before), nor with whatever time zone happens to be active."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import dateformat
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from louage.core import clock
from louage.core.errors import InvalidInput

TUNIS = ZoneInfo(settings.TIME_ZONE)
# The longest period a report or a journal query covers, in days (both ends included).
MAX_PERIOD_DAYS = 366

# Named styles; anything else is taken as a Django date format string.
STYLES = {
    "time": "H:i",  # 00:30
    "date": "d/m/Y",  # 27/11/2026
    "short": "d/m H:i",  # 27/11 00:30
    "day": "D d/m",  # jeu. 27/11
    "day_time": "D d/m H:i",  # jeu. 27/11 00:30
    "datetime": "d/m/Y H:i",  # 27/11/2026 00:30
    "long_date": "l j F Y",  # jeudi 27 novembre 2026
    "long": "l j F Y, H:i",  # jeudi 27 novembre 2026, 00:30
    "iso_date": "Y-m-d",  # 2026-11-27 (date inputs)
}

# Where a language writes a style differently. Arabic has no usual short day names: the
# full one ("الخميس 27/11"); English puts the weekday first with a comma in long dates.
LANGUAGE_STYLES = {
    "ar": {"day": "l d/m", "day_time": "l d/m H:i", "long": "l j F Y، H:i"},
    "en": {"long_date": "l j F Y", "long": "l j F Y, H:i"},
}

# Tunisia writes the months in Arabic as in French (جانفي, فيفري …), not as in the Middle East.
TUNISIAN_MONTHS_AR = [
    "جانفي", "فيفري", "مارس", "أفريل", "ماي", "جوان",
    "جويلية", "أوت", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر",
]  # fmt: skip


def _language():
    return (get_language() or settings.LANGUAGE_CODE)[:2]


def _format(value, style):
    """Django's dateformat with the active language's style and Tunisian Arabic months."""
    language = _language()
    pattern = LANGUAGE_STYLES.get(language, {}).get(style) or STYLES.get(style, style)
    if language == "ar" and "F" in pattern:
        month = "".join("\\" + char for char in TUNISIAN_MONTHS_AR[value.month - 1])
        pattern = pattern.replace("F", month)
    return dateformat.format(value, pattern)


def api_time(value):
    """`value` as the API writes times: Tunis time with its offset, to the millisecond (as
    Django's JSON encoder: …T07:30:00.123+01:00, no fraction on a whole second); None stays
    None. Webhook payloads use it too, so both say the same moment the same way."""
    if value is None:
        return None
    text = local(value).isoformat()
    return text[:23] + text[26:] if value.microsecond else text


def local(value):
    """The moment `value` in Tunis time (a naive value is taken as already local)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=TUNIS)
    return value.astimezone(TUNIS)


def format_local(value, style="short"):
    """'27/11 00:30' and the other STYLES, with French (or the active language's) day and
    month names; '' for None."""
    if value is None:
        return ""
    if isinstance(value, date) and not isinstance(value, datetime):
        return _format(value, style)
    return _format(local(value), style)


def local_date(value):
    return local(value).date()


def local_today():
    return local(clock.now()).date()


def day_bounds(day):
    """[start, end) of a Tunis calendar day, as aware datetimes."""
    start = datetime.combine(day, time.min, tzinfo=TUNIS)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=TUNIS)


def day_label(day):
    """'Aujourd'hui', 'Demain', else 'jeu. 27/11'."""
    if isinstance(day, datetime):
        day = local_date(day)
    today = local_today()
    if day == today:
        return _("Aujourd'hui")
    if day == today + timedelta(days=1):
        return _("Demain")
    return _format(day, "day")


def format_departure(value):
    """How a departure reads in a list or a label: 'Aujourd'hui 00:30', 'jeu. 27/11 00:30'."""
    return f"{day_label(value)} {format_local(value, 'time')}"


def format_duration(minutes):
    """95 → '1 h 35', 40 → '40 min'."""
    minutes = int(minutes)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("%(m)s min") % {"m": rest}
    return _("%(h)s h %(m)02d") % {"h": hours, "m": rest}


def format_moment(value):
    """A moment inside a sentence ("possible jusqu'à …"): '14:30' today, 'demain 14:30',
    else 'jeu. 27/11 14:30'."""
    day = local_date(value)
    today = local_today()
    clock_time = format_local(value, "time")
    if day == today:
        return clock_time
    if day == today + timedelta(days=1):
        return _("demain %(time)s") % {"time": clock_time}
    return f"{_format(day, 'day')} {clock_time}"


def check_period(first, last, *, names=("from", "to")):
    """InvalidInput (422) when the days `first`..`last` (both included) run backwards or
    cover more than MAX_PERIOD_DAYS; `names` are the two fields the errors point at."""
    if first > last:
        raise InvalidInput(
            _("La date de début (%(first)s) est après la date de fin (%(last)s).")
            % {"first": first.isoformat(), "last": last.isoformat()},
            code="invalid_period",
            errors=[{"field": names[0], "message": _("Doit précéder la date de fin.")}],
        )
    days = (last - first).days + 1
    if days > MAX_PERIOD_DAYS:
        raise InvalidInput(
            _("La période demandée compte %(days)s jours : %(max)s au plus.")
            % {"days": days, "max": MAX_PERIOD_DAYS},
            code="period_too_long",
            errors=[{"field": names[1], "message": _("Période trop longue.")}],
        )
