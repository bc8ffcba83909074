from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(ratio):
    """0.4557 → '45,6 %' (in the page's language)."""
    try:
        value = float(ratio) * 100
    except (TypeError, ValueError):
        return ""
    return f"{number_format(value, 1)}\u00a0%"
