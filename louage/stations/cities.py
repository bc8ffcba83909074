"""Tunisian cities a station can be in: the 24 governorates' seats first, then other towns
with a louage station. Values are stored as written here."""

GOVERNORATE_SEATS = [
    "Tunis", "Ariana", "Ben Arous", "La Manouba", "Nabeul", "Zaghouan", "Bizerte", "Béja",
    "Jendouba", "Le Kef", "Siliana", "Sousse", "Monastir", "Mahdia", "Sfax", "Kairouan",
    "Kasserine", "Sidi Bouzid", "Gabès", "Médenine", "Tataouine", "Gafsa", "Tozeur", "Kébili",
]  # fmt: skip

OTHER_TOWNS = [
    "Hammamet", "Djerba", "Zarzis", "Tabarka", "Nefta", "Douz", "El Jem", "Msaken",
    "Kélibia", "Korba", "Moknine", "Ksar Hellal", "Metlaoui", "Ben Guerdane", "Menzel Bourguiba",
]  # fmt: skip

CITIES = GOVERNORATE_SEATS + OTHER_TOWNS
CITY_CHOICES = [(city, city) for city in sorted(CITIES)]
