from django import template

register = template.Library()


@register.filter
def dt(millimes):
    """12500 → '12,500 DT' (the French way of writing dinars and millimes)."""
    try:
        value = int(millimes)
    except (TypeError, ValueError):
        return ""
    sign = "-" if value < 0 else ""
    dinars, rest = divmod(abs(value), 1000)
    return f"{sign}{dinars:,}".replace(",", "\u202f") + f",{rest:03d} DT"
