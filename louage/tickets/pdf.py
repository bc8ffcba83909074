"""The PDF ticket: one A4 page in the reader's language, with the QR code holding the signed
token. Arabic is shaped (letters joined) and laid out right to left; the font that draws
French, English and Arabic is embedded (louage/tickets/fonts)."""

import io
import re
from pathlib import Path

import arabic_reshaper
import segno

# The pure-Python algorithm of python-bidi also mirrors brackets in right-to-left runs.
from bidi.algorithm import get_display
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from louage.core.templatetags.money import dt
from louage.core.times import format_local
from louage.trips.models import TripKind, TripStatus
from louage.trips.services import official_fare

from .tokens import ticket_token

FONT_DIR = Path(__file__).resolve().parent / "fonts"
GREEN = colors.HexColor("#0b6e4f")
ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


def fonts():
    """Noto Sans Arabic (Latin and Arabic in one file), shipped with the app and embedded."""
    if "NotoSansArabic" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(
            TTFont("NotoSansArabic", str(FONT_DIR / "NotoSansArabic-Regular.ttf"))
        )
        pdfmetrics.registerFont(
            TTFont("NotoSansArabic-Bold", str(FONT_DIR / "NotoSansArabic-Bold.ttf"))
        )
    return "NotoSansArabic", "NotoSansArabic-Bold"


def visual(text, rtl=False):
    """Text as a PDF draws it, glyph after glyph from left to right: Arabic letters take their
    joined forms and Arabic runs are put in display order (numbers and Latin words keep theirs)."""
    text = str(text)
    if not rtl and not ARABIC.search(text):
        return text
    return get_display(arabic_reshaper.reshape(text), base_dir="R" if rtl else "L")


class Writer:
    """Draws lines at a mirrored x on right-to-left pages: `start` is the reading start."""

    def __init__(self, pdf, width, rtl):
        self.pdf, self.width, self.rtl = pdf, width, rtl

    def text(self, start, y, text):
        # A value without Arabic (a code, a plate, a phone number) keeps its own order.
        text = str(text)
        text = visual(text, self.rtl and bool(ARABIC.search(text)))
        if self.rtl:
            self.pdf.drawRightString(self.width - start, y, text)
        else:
            self.pdf.drawString(start, y, text)


def render_ticket_pdf(reservation, language=None):
    """The ticket in `language` (the active one when not given)."""
    with translation.override(language or translation.get_language()):
        return _render(reservation, rtl=translation.get_language_bidi())


def _render(reservation, *, rtl):
    trip = reservation.trip
    regular, bold = fonts()
    token = ticket_token(reservation)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(_("Billet Louage %(code)s") % {"code": reservation.code})
    pdf.setAuthor("Louage")
    width, height = A4
    out = Writer(pdf, width, rtl)
    pdf.setFillColor(GREEN)
    pdf.rect(0, height - 30 * mm, width, 30 * mm, fill=1, stroke=0)
    pdf.setFillColor(colors.white)
    pdf.setFont(bold, 22)
    out.text(20 * mm, height - 19 * mm, _("Louage — Billet de voyage"))
    if trip.kind == TripKind.QUEUE and trip.status == TripStatus.SCHEDULED:
        when = (_("Départ"), _("quand le louage est complet (file d'attente)"))
    else:
        when = (
            _("Heure de départ"),
            _("%(time)s (heure de Tunis)") % {"time": format_local(trip.departure, "time")},
        )
    fare = official_fare(trip.origin.city, trip.destination.city)
    rows = [
        (_("Référence"), reservation.code),
        (_("Voyageur"), reservation.traveller_name),
        (_("Trajet"), f"{trip.origin.local_name} – {trip.destination.local_name}"),
        (_("Date"), format_local(trip.departure, "date")),
        when,
        (_("Véhicule"), trip.vehicle.plate),
        (_("Places"), str(reservation.seats)),
        (_("Montant payé"), dt(reservation.total_price)),
        (
            _("Tarif officiel"),
            _("%(price)s par place") % {"price": dt(fare)} if fare is not None else "—",
        ),
        (_("Téléphone de la station"), trip.origin.phone or "—"),
    ]
    y = height - 48 * mm
    for label, value in rows:
        pdf.setFillColor(colors.HexColor("#667085"))
        pdf.setFont(regular, 11)
        out.text(20 * mm, y, label)
        pdf.setFillColor(colors.HexColor("#1d2939"))
        pdf.setFont(bold, 13)
        out.text(75 * mm, y, value)
        y -= 11 * mm
    qr = segno.make(token, error="m")
    image = io.BytesIO()
    qr.save(image, kind="png", scale=8, border=2)
    image.seek(0)
    # Under the details, centred: large enough for a phone camera at arm's length.
    size = 70 * mm
    pdf.drawImage(ImageReader(image), (width - size) / 2, y - 5 * mm - size, size, size)
    pdf.setFont(regular, 9)
    pdf.setFillColor(colors.HexColor("#667085"))
    out.text(
        20 * mm,
        40 * mm,
        _("Présentez ce code au chef de station à l'embarquement, 15 minutes avant le départ."),
    )
    out.text(20 * mm, 34 * mm, _("Code de contrôle : %(code)s") % {"code": reservation.code})
    out.text(
        20 * mm,
        28 * mm,
        _(
            "Valable le %(day)s jusqu'à minuit (heure de Tunis). Le QR code est signé : il se "
            "vérifie même sans réseau."
        )
        % {"day": format_local(trip.departure, "date")},
    )
    # The QR code's content, in small type: what a scanner reads, for a reader that cannot.
    pdf.setFont(regular, 5)
    pdf.drawString(20 * mm, 20 * mm, token)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
