from django import template

from louage.stations.cities import city_label

register = template.Library()


@register.filter
def city(name):
    """'Sousse' → 'سوسة' on Arabic pages (the city as the page's language writes it)."""
    return city_label(name)
