"""Real plurals, not "place(s)"; station names in Arabic on Arabic pages; each language named
in its own language."""

import re
from pathlib import Path

import pytest

from louage.stations.models import Station
from tests.i18n.catalogue import messages, text_nodes
from tests.i18n.test_catalogues import demo, main_pages  # noqa: F401  (the demo fixture)

ROOT = Path(__file__).resolve().parents[2] / "louage"
# "place(s)", "voyageur(s)", "libérée(s)": a word with its plural in brackets. Not "http(s)".
BRACKETED_PLURAL = re.compile(r"[A-Za-zÀ-ÿ]\((?:e?s|x)\)")
HTTP_S = re.compile(r"https?\(s\)", re.IGNORECASE)


def bracketed_plural(text):
    return BRACKETED_PLURAL.search(HTTP_S.sub("", text))


@pytest.mark.parametrize("language", ["ar", "en"])
def test_no_catalogue_entry_writes_a_plural_in_brackets(language):
    found = [
        entry.msgid[:70]
        for entry in messages(language)
        if not entry.obsolete
        and any(bracketed_plural(text) for text in (entry.msgid, *entry.texts))
    ]
    assert found == [], "use ngettext / {% blocktranslate count %}"


def test_no_template_or_python_string_writes_a_plural_in_brackets():
    found = []
    for path in [*ROOT.rglob("*.html"), *ROOT.rglob("*.py"), *ROOT.rglob("*.txt")]:
        if "migrations" in path.parts or "fonts" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            # Log lines for operators (English, untranslated) may keep "hold(s)".
            if bracketed_plural(line) and "hold(s)" not in line and "task(s)" not in line:
                found.append(f"{path.relative_to(ROOT)}:{number}")
    assert found == []


def test_the_bracket_rule_catches_what_it_should():
    assert bracketed_plural("2 place(s) libre(s)")
    assert bracketed_plural("libérée(s)")
    assert not bracketed_plural("an http(s)://host address")
    assert not bracketed_plural("%(seats)s places")


def test_station_lists_name_stations_in_arabic_on_arabic_pages(demo, client, settings):  # noqa: F811
    """A station shown by its Latin name on an Arabic page also shows its Arabic name (the
    desk, boarding and notice pages' destination lists included)."""
    stations = [s for s in Station.objects.exclude(name_ar="") if s.name != s.name_ar]
    assert stations
    latin_only, checked = {}, 0
    for user, urls in main_pages(demo):
        client.logout()
        if user is not None:
            client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
        for url in urls:
            html = client.get(url).content.decode()
            text = " ".join(text_nodes(html, "ar"))
            options = " ".join(re.findall(r"<option[^>]*>([^<]*)</option>", html))
            for station in stations:
                shown = station.name in text or station.name in options
                if shown and station.name_ar not in html:
                    latin_only.setdefault(url, []).append(station.name)
            checked += 1
    assert checked > 40
    assert latin_only == {}


def test_the_desks_destination_lists_show_arabic_names(demo, client, settings):  # noqa: F811
    client.force_login(demo["chief"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    arabic = {s.name_ar for s in Station.objects.exclude(name_ar="")}
    for url in ("/guichet/vente/", "/guichet/embarquement/", "/guichet/avis/"):
        html = client.get(url).content.decode()
        select = re.search(r'<select name="destination"[^>]*>(.*?)</select>', html, re.S)
        assert select, url
        labels = re.findall(r"<option value=\"\d+\"[^>]*>([^<]*)</option>", select.group(1))
        assert labels, url
        for label in labels:
            assert any(name in label for name in arabic), (url, label)


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
def test_the_language_picker_names_each_language_in_its_own(client, settings, language, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get("/").content.decode()
    picker = re.search(r'<select name="language".*?</select>', html, re.S).group(0)
    assert ">Français<" in picker and ">العربية<" in picker and ">English<" in picker
    assert "Anglais" not in picker and "Arabe" not in picker
