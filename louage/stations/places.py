"""Places a traveller types: the network's cities and stations, by their Latin or Arabic
names, whatever the accents and case, and near misses ("Soussa" → Sousse).

The network is small (a few hundred stations at most), so the index is built from one query
and matched in Python; no database-specific search is needed on SQLite or PostgreSQL."""

import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from .cities import CITY_NAMES_AR
from .models import Station

ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
SEPARATORS = re.compile(r"[\s\-'’`.,/()]+")
# A near miss: how close a typed word must be to a name (difflib ratio).
NEAR_MISS = 0.75


def fold(text):
    """'Gabès' → 'gabes', 'Le  Kef' → 'le kef', 'سُوسَة' → 'سوسه', 'أريانة' → 'اريانه'."""
    text = unicodedata.normalize("NFKD", str(text or ""))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = ARABIC_MARKS.sub("", text)
    text = text.replace("ة", "ه").replace("ى", "ي").replace("ـ", "")
    return SEPARATORS.sub(" ", text).strip().lower()


@dataclass
class Place:
    kind: str  # "city" or "station"
    name: str
    name_ar: str
    city: str
    station_id: int | None = None
    station_count: int = 0
    keys: list = field(default_factory=list, repr=False)

    @property
    def value(self):
        """What the search form sends for this place (resolve_stations reads it back)."""
        return self.name

    @property
    def label(self):
        return f"{self.name} — {self.name_ar}" if self.name_ar else self.name

    @property
    def hint(self):
        from django.utils.translation import ngettext

        if self.kind == "city":
            return ngettext(
                "Ville · %(n)s station", "Ville · %(n)s stations", self.station_count
            ) % {"n": self.station_count}
        return self.city

    def as_dict(self):
        return {
            "hint": self.hint,
            "kind": self.kind,
            "id": self.station_id,
            "name": self.name,
            "name_ar": self.name_ar,
            "city": self.city,
            "value": self.value,
            "label": self.label,
            "stations": self.station_count,
        }


def _stations():
    return list(
        Station.objects.filter(is_active=True)
        .order_by("city", "name", "pk")
        .values("pk", "name", "name_ar", "city")
    )


def place_index(stations=None):
    """(cities, stations) of the active network as Place objects."""
    rows = _stations() if stations is None else stations
    cities = {}
    places = []
    for row in rows:
        city = cities.get(row["city"])
        if city is None:
            city = cities[row["city"]] = Place(
                "city", row["city"], CITY_NAMES_AR.get(row["city"], ""), row["city"]
            )
            city.keys = [k for k in (fold(city.name), fold(city.name_ar)) if k]
        city.station_count += 1
        station = Place("station", row["name"], row["name_ar"], row["city"], station_id=row["pk"])
        station.keys = [k for k in (fold(row["name"]), fold(row["name_ar"])) if k]
        places.append(station)
    return list(cities.values()), places


def _score(query, keys):
    best = 0.0
    for key in keys:
        if key == query:
            return 100.0
        if key.startswith(query):
            best = max(best, 90.0)
        elif any(word.startswith(query) for word in key.split()):
            best = max(best, 80.0)
        elif query in key:
            best = max(best, 70.0)
        elif len(query) >= 3:
            # A near miss, against the whole name and each of its words, and against the
            # start of the name as long as what was typed (typing is often unfinished).
            candidates = [key, *key.split(), key[: len(query)]]
            ratio = max(SequenceMatcher(None, query, c).ratio() for c in candidates)
            if ratio >= NEAR_MISS:
                best = max(best, 40.0 + ratio * 20)
    return best


def search_places(query, *, limit=8):
    """Cities and stations matching what was typed, best first; a matching city comes
    before its stations."""
    folded = fold(query)[:60]
    if not folded:
        return []
    cities, stations = place_index()
    scored = []
    city_scores = {}
    for city in cities:
        score = _score(folded, city.keys)
        if score:
            city_scores[city.name] = score
            scored.append((score + 1, 0, city.name, city))  # a city ahead of an equal station
    for station in stations:
        score = max(_score(folded, station.keys), city_scores.get(station.city, 0) - 5)
        if score > 0:
            scored.append((score, 1, station.name, station))
    scored.sort(key=lambda item: (-item[0], item[1], item[2]))
    return [place for *_rank, place in scored[:limit]]


def resolve(value, stations=None, *, index=None):
    """A typed place → the ids of its active stations, or None when nothing is named.

    A station id, a city (Latin or Arabic name, any accents and case) or a station name.
    An unknown name gives [] (no departure matches), never every station. `index`: a
    place_index already built."""
    text = (str(value) if value is not None else "").strip()
    if not text:
        return None
    if text.isdigit():
        # Beyond 64 bits it cannot be an id (and the database would overflow): no station.
        return [int(text)] if len(text) <= 18 else []
    folded = fold(text)
    cities, places = index or place_index(stations)
    for city in cities:
        if folded in city.keys:
            return [p.station_id for p in places if p.city == city.name]
    return [p.station_id for p in places if folded in p.keys]


def did_you_mean(value, *, limit=3):
    """Close names for a place that resolved to nothing."""
    return search_places(value, limit=limit)
