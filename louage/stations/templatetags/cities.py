from django import template

from louage.stations.cities import city_label, local_station_name

register = template.Library()


@register.filter
def city(name):
    """'Sousse' → 'سوسة' on Arabic pages (the city as the page's language writes it)."""
    return city_label(name)


@register.filter
def station_label(station):
    """A station as every list names it, in the page's language (Station.choice_label)."""
    return station.choice_label if station is not None else ""


@register.filter
def local_station(row, key="station"):
    """A station named in a row of figures (`row[key]`, its Arabic name in `row[key + "_ar"]`),
    in the page's language."""
    return local_station_name(row.get(key, ""), row.get(f"{key}_ar", ""))
