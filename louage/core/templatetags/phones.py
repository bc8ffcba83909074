from django import template

from louage.core.validators import format_phone

register = template.Library()


@register.filter
def phone(value):
    """'+21671334455' → '71 334 455': the one way a phone number is shown."""
    return format_phone(value)
