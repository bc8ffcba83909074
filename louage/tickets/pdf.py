"""The PDF ticket: one A4 page, French, with the QR code holding the signed token."""

import io
from pathlib import Path

import segno
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

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
GREEN = colors.HexColor("#0b6e4f")


def fonts():
    """DejaVu covers accented and Arabic names; Helvetica is the fallback without it."""
    regular, bold = DEJAVU / "DejaVuSans.ttf", DEJAVU / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("DejaVu", str(regular)))
            pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(bold)))
        return "DejaVu", "DejaVu-Bold"
    return "Helvetica", "Helvetica-Bold"


def render_ticket_pdf(reservation):
    trip = reservation.trip
    regular, bold = fonts()
    token = ticket_token(reservation)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"Billet Louage {reservation.code}")
    pdf.setAuthor("Louage")
    width, height = A4
    pdf.setFillColor(GREEN)
    pdf.rect(0, height - 30 * mm, width, 30 * mm, fill=1, stroke=0)
    pdf.setFillColor(colors.white)
    pdf.setFont(bold, 22)
    pdf.drawString(20 * mm, height - 19 * mm, "Louage — Billet de voyage")
    if trip.kind == TripKind.QUEUE and trip.status == TripStatus.SCHEDULED:
        when = ("Départ", "quand le louage est complet (file d'attente)")
    else:
        when = ("Heure de départ", format_local(trip.departure, "time") + " (heure de Tunis)")
    fare = official_fare(trip.origin.city, trip.destination.city)
    rows = [
        ("Référence", reservation.code),
        ("Voyageur", reservation.traveller_name),
        ("Trajet", f"{trip.origin.name} → {trip.destination.name}"),
        ("Date", format_local(trip.departure, "date")),
        when,
        ("Véhicule", trip.vehicle.plate),
        ("Places", str(reservation.seats)),
        ("Montant payé", dt(reservation.total_price)),
        ("Tarif officiel", f"{dt(fare)} par place" if fare is not None else "—"),
        ("Téléphone de la station", trip.origin.phone or "—"),
    ]
    y = height - 48 * mm
    for label, value in rows:
        pdf.setFillColor(colors.HexColor("#667085"))
        pdf.setFont(regular, 11)
        pdf.drawString(20 * mm, y, label)
        pdf.setFillColor(colors.HexColor("#1d2939"))
        pdf.setFont(bold, 13)
        pdf.drawString(75 * mm, y, value)
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
    pdf.drawString(
        20 * mm,
        40 * mm,
        "Présentez ce code au chef de station à l'embarquement, 15 minutes avant le départ.",
    )
    pdf.drawString(20 * mm, 34 * mm, f"Code de contrôle : {reservation.code}")
    pdf.drawString(
        20 * mm,
        28 * mm,
        f"Valable le {format_local(trip.departure, 'date')} jusqu'à minuit (heure de Tunis). "
        "Le QR code est signé : il se vérifie même sans réseau.",
    )
    # The QR code's content, in small type: what a scanner reads, for a reader that cannot.
    pdf.setFont(regular, 5)
    pdf.drawString(20 * mm, 20 * mm, token)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
