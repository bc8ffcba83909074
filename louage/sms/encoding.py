"""How a text travels as SMS: GSM-7 (160 characters, 153 per part of a long message) or UCS-2
(70, 67 per part), and how many parts (segments) it takes.

French and English messages fold the few letters GSM-7 lacks (ê → e, ç → c, ’ → ') so they go
as GSM-7 at half UCS-2's cost; Arabic, or anything GSM-7 cannot write, goes as UCS-2. The
characters of GSM-7's extension table (€ [ ] { } ^ ~ | \\ and form feed) take two septets, and
a long message never splits one across two parts.
"""

import unicodedata
from dataclasses import dataclass

# 3GPP TS 23.038 default alphabet (the escape 0x1B left out) and its extension table.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM_SINGLE, GSM_PART = 160, 153  # septets
UCS2_SINGLE, UCS2_PART = 70, 67  # UTF-16 code units

# Typography that has a plain GSM-7 equivalent.
_PLAIN = str.maketrans(
    {
        "’": "'", "‘": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
        "–": "-", "—": "-", "−": "-", "…": "...", "→": "-", "←": "-", "·": "-", "•": "-",
        "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\t": " ", "ç": "c", "œ": "oe", "Œ": "OE",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Encoded:
    text: str
    ucs2: bool  # Kannel's coding=2
    segments: int

    @property
    def coding(self):
        return 2 if self.ucs2 else 0


def is_gsm(text):
    return all(char in GSM_BASIC or char in GSM_EXTENSION for char in text)


def fold_to_gsm(text):
    """Latin text with the letters GSM-7 lacks replaced by their base letter (ê → e)."""
    text = text.translate(_PLAIN)
    out = []
    for char in text:
        if char in GSM_BASIC or char in GSM_EXTENSION:
            out.append(char)
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        out.append(base if base and is_gsm(base) else char)
    return "".join(out)


def _units(text, ucs2):
    """The size of each character in the message's units (septets or UTF-16 code units)."""
    if ucs2:
        return [2 if ord(char) > 0xFFFF else 1 for char in text]
    return [2 if char in GSM_EXTENSION else 1 for char in text]


def segment_count(text, ucs2):
    """How many SMS the text takes. A character is never split between two parts."""
    units = _units(text, ucs2)
    single, part = (UCS2_SINGLE, UCS2_PART) if ucs2 else (GSM_SINGLE, GSM_PART)
    if sum(units) <= single:
        return 1 if text else 0
    segments, used = 1, 0
    for size in units:
        if used + size > part:
            segments += 1
            used = 0
        used += size
    return segments


def encode(text, *, language="fr"):
    """The text as it will be sent: folded to GSM-7 unless Arabic, else as UCS-2."""
    text = text.strip()
    if language != "ar":
        folded = fold_to_gsm(text)
        if is_gsm(folded):
            return Encoded(folded, False, segment_count(folded, False))
    return Encoded(text, not is_gsm(text), segment_count(text, not is_gsm(text)))


def fit(text, *, language="fr", max_segments=3):
    """`encode`, cut (with an ellipsis) so that it takes at most `max_segments` SMS."""
    encoded = encode(text, language=language)
    if encoded.segments <= max_segments:
        return encoded
    ellipsis = "…" if encoded.ucs2 else "..."
    low, high = 0, len(encoded.text)
    while low < high:  # the longest prefix that still fits with its ellipsis
        middle = (low + high + 1) // 2
        if segment_count(encoded.text[:middle].rstrip() + ellipsis, encoded.ucs2) <= max_segments:
            low = middle
        else:
            high = middle - 1
    cut = encoded.text[:low].rstrip() + ellipsis
    return Encoded(cut, encoded.ucs2, segment_count(cut, encoded.ucs2))
