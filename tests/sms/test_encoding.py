"""How many SMS a text takes, and in which alphabet."""

import pytest

from louage.sms.encoding import encode, fit, fold_to_gsm, segment_count


def test_160_gsm7_characters_are_one_sms_and_161_are_two():
    assert segment_count("a" * 160, ucs2=False) == 1
    assert segment_count("a" * 161, ucs2=False) == 2
    assert segment_count("a" * 306, ucs2=False) == 2
    assert segment_count("a" * 307, ucs2=False) == 3


def test_gsm7_extension_characters_count_twice():
    # € [ ] { } ^ ~ | \ take an escape septet each.
    assert segment_count("€" * 80, ucs2=False) == 1
    assert segment_count("€" * 81, ucs2=False) == 2
    assert segment_count("{}" * 40 + "a", ucs2=False) == 2
    assert segment_count("[" * 80, ucs2=False) == 1  # 160 septets
    assert segment_count("[" * 80 + "a", ucs2=False) == 2


def test_an_escaped_character_is_never_split_between_two_parts():
    # 152 + 2 + 152 = 306 septets: two parts of 153 by arithmetic, but the € cannot start
    # at the 153rd septet of the first part, so the text takes three.
    assert segment_count("a" * 152 + "€" + "a" * 152, ucs2=False) == 3
    assert segment_count("a" * 151 + "€" + "a" * 153, ucs2=False) == 2


def test_arabic_is_ucs2_with_70_characters_a_sms_and_67_per_part():
    text = "تذكرتك مؤكدة"
    encoded = encode(text, language="ar")
    assert encoded.ucs2 and encoded.coding == 2 and encoded.text == text
    assert segment_count("ب" * 70, ucs2=True) == 1
    assert segment_count("ب" * 71, ucs2=True) == 2
    assert segment_count("ب" * 134, ucs2=True) == 2
    assert segment_count("ب" * 135, ucs2=True) == 3


def test_a_character_outside_the_basic_plane_takes_two_ucs2_units():
    assert segment_count("😀" * 35, ucs2=True) == 1
    assert segment_count("😀" * 36, ucs2=True) == 2


@pytest.mark.parametrize("language", ["fr", "en"])
def test_french_and_english_fold_to_gsm7_instead_of_doubling_the_cost(language):
    encoded = encode("Départ à 08:30, être à l’heure « quai 3 » — ça part", language=language)
    assert not encoded.ucs2 and encoded.coding == 0
    assert encoded.text == 'Départ à 08:30, etre à l\'heure " quai 3 " - ca part'


def test_a_french_message_with_a_character_gsm7_lacks_goes_as_ucs2():
    encoded = encode("Station تونس : départ", language="fr")
    assert encoded.ucs2 and encoded.text == "Station تونس : départ"


def test_gsm7_letters_are_kept_as_they_are():
    assert fold_to_gsm("éèùìòàÉÇäöüñ") == "éèùìòàÉÇäöüñ"


@pytest.mark.parametrize(
    "text, language", [("Avis : " + "quai 3, " * 200, "fr"), ("تنبيه " * 200, "ar")]
)
def test_a_long_text_is_cut_to_the_segment_bound_with_an_ellipsis(text, language):
    encoded = fit(text, language=language, max_segments=3)
    ellipsis = "…" if language == "ar" else "..."
    assert encoded.segments == 3 and encoded.text.endswith(ellipsis)
    kept = encoded.text[: -len(ellipsis)]
    assert text.startswith(kept)
    # As much as fits: one more word would not.
    more = text[: len(kept) + 6].rstrip() + ellipsis
    assert segment_count(more, encoded.ucs2) > 3


def test_a_short_text_is_left_whole():
    encoded = fit("Billet ABCD2345 confirmé", max_segments=1)
    assert encoded.text == "Billet ABCD2345 confirmé" and encoded.segments == 1
