import json

from django import template
from django.utils.translation import get_language

register = template.Library()

# Thousands separator, decimal mark and how the unit sits, per interface language.
# A narrow no-break space groups thousands: it never wraps and keeps the digits one run in
# right-to-left text.
_STYLES = {
    "fr": ("\u202f", ",", "{amount} DT"),
    "ar": ("\u202f", ".", "{amount} د.ت"),
    "en": (",", ".", "TND {amount}"),
}


@register.filter
def dt(millimes, language=None):
    """12500 → '12,500 DT' (fr), '12.500 د.ت' (ar), 'TND 12.500' (en): dinars and millimes the
    way each language writes them (the active language unless one is given)."""
    try:
        value = int(millimes)
    except (TypeError, ValueError):
        return ""
    language = (language or get_language() or "fr")[:2]
    group, decimal, pattern = _STYLES.get(language, _STYLES["fr"])
    sign = "-" if value < 0 else ""
    dinars, rest = divmod(abs(value), 1000)
    amount = f"{sign}{dinars:,}".replace(",", group) + f"{decimal}{rest:03d}"
    return pattern.format(amount=amount)


@register.simple_tag
def money_unit():
    """The currency as the active language writes it (charts add it to their figures)."""
    return {"ar": "د.ت", "en": "TND"}.get((get_language() or "fr")[:2], "DT")


@register.filter
def seat_amounts(price, most=9):
    """The amounts to collect for 1…`most` seats at `price` (JSON list of formatted amounts):
    the desk's "Encaisser" button follows the seats chosen without a trip to the server."""
    try:
        price = int(price)
    except (TypeError, ValueError):
        return "[]"
    return json.dumps([dt(price * seats) for seats in range(1, int(most) + 1)], ensure_ascii=False)


@register.filter
def count(value, language=None):
    """12345 → '12 345' (fr, ar: the narrow no-break space of amounts), '12,345' (en): counts
    grouped as the money of the same page is."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return value
    language = (language or get_language() or "fr")[:2]
    group = _STYLES.get(language, _STYLES["fr"])[0]
    return f"{number:,}".replace(",", group)
