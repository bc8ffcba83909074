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

# Arabic names, for search (a traveller types "سوسة" as well as "Sousse") and display.
CITY_NAMES_AR = {
    "Tunis": "تونس", "Ariana": "أريانة", "Ben Arous": "بن عروس", "La Manouba": "منوبة",
    "Nabeul": "نابل", "Zaghouan": "زغوان", "Bizerte": "بنزرت", "Béja": "باجة",
    "Jendouba": "جندوبة", "Le Kef": "الكاف", "Siliana": "سليانة", "Sousse": "سوسة",
    "Monastir": "المنستير", "Mahdia": "المهدية", "Sfax": "صفاقس", "Kairouan": "القيروان",
    "Kasserine": "القصرين", "Sidi Bouzid": "سيدي بوزيد", "Gabès": "قابس", "Médenine": "مدنين",
    "Tataouine": "تطاوين", "Gafsa": "قفصة", "Tozeur": "توزر", "Kébili": "قبلي",
    "Hammamet": "الحمامات", "Djerba": "جربة", "Zarzis": "جرجيس", "Tabarka": "طبرقة",
    "Nefta": "نفطة", "Douz": "دوز", "El Jem": "الجم", "Msaken": "مساكن", "Kélibia": "قليبية",
    "Korba": "قربة", "Moknine": "المكنين", "Ksar Hellal": "قصر هلال", "Metlaoui": "المتلوي",
    "Ben Guerdane": "بن قردان", "Menzel Bourguiba": "منزل بورقيبة",
}  # fmt: skip


def arabic_interface():
    from django.utils.translation import get_language

    return (get_language() or "").startswith("ar")


def city_label(city):
    """A city as the interface's language writes it: 'سوسة' on Arabic pages, else 'Sousse'."""
    if arabic_interface():
        return CITY_NAMES_AR.get(city, city)
    return city


def local_station_name(name, name_ar):
    """A station's name as the interface's language writes it (its Arabic name on Arabic
    pages, when known): the one rule behind Station.local_name, for rows read as values."""
    return name_ar if name_ar and arabic_interface() else name
