from django import template

from louage.auditlog import labels

register = template.Library()


@register.filter
def action_label(code):
    """'queue.loading' → 'Un louage commence à charger'."""
    return labels.action_label(code)


@register.filter
def detail_label(key):
    return labels.detail_label(key)


@register.filter
def object_label(object_type):
    return labels.object_label(object_type)
