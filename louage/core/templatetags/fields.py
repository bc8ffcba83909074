"""A form field tied to its help text and its errors (aria-describedby), for screen readers."""

from django import template

register = template.Library()


@register.filter
def described(field):
    if field.is_hidden:
        return field.as_widget()
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors:
        ids.append(f"{field.auto_id}_errors")
    attrs = {"aria-describedby": " ".join(ids)} if ids else {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)
