"""The cash close as files: a CSV (amounts in millimes) and a one-page A4 PDF for the
owners' and the chief's signatures (ReportLab, like the tickets)."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from louage.core.csvfiles import Writer
from louage.core.templatetags.money import dt
from louage.tickets.pdf import GREEN, visual
from louage.tickets.pdf import fonts as pdf_fonts

CSV_COLUMNS = [
    "section", "plate", "owner", "departure", "destination", "seats_sold", "seats_refunded",
    "cash_taken", "cash_refunded", "online_taken", "online_refunded", "net",
]  # fmt: skip
# The web page's file speaks the page's language, as the report exports do (render_csv with
# labels); the API's keeps these field names for programs.
CSV_LABELS = {
    "section": gettext_lazy("Partie"), "plate": gettext_lazy("Véhicule"),
    "owner": gettext_lazy("Propriétaire ou réf."), "departure": gettext_lazy("Départ"),
    "destination": gettext_lazy("Arrivée ou moyen"), "seats_sold": gettext_lazy("Places vendues"),
    "seats_refunded": gettext_lazy("Places remboursées"),
    "cash_taken": gettext_lazy("Espèces encaissées (millimes)"),
    "cash_refunded": gettext_lazy("Espèces remboursées (millimes)"),
    "online_taken": gettext_lazy("En ligne encaissé (millimes)"),
    "online_refunded": gettext_lazy("En ligne remboursé (millimes)"),
    "net": gettext_lazy("Net (millimes)"),
}  # fmt: skip
SECTION_LABELS = {
    "vehicle": gettext_lazy("Véhicule"), "owner": gettext_lazy("Propriétaire"),
    "departure": gettext_lazy("Départ"), "refund": gettext_lazy("Remboursement"),
    "total": gettext_lazy("Total"),
}  # fmt: skip


def _figures(line):
    return [
        line.seats_sold, line.seats_refunded, line.cash_taken, line.cash_refunded,
        line.online_taken, line.online_refunded, line.net,
    ]  # fmt: skip


def cash_close_csv(close, *, labels=False):
    """The close as CSV text: field names and section codes for programs, translated labels
    (`labels`) for people. The one CSV writer: names typed at the desk never run as formulas;
    amounts, refunds as negative numbers, stay numbers."""
    writer = Writer()
    writer.row([str(CSV_LABELS[key]) for key in CSV_COLUMNS] if labels else CSV_COLUMNS)

    def section(code):
        return str(SECTION_LABELS[code]) if labels else code

    for v in close.vehicles:
        writer.row([section("vehicle"), v.plate, v.owner_name, "", "", *_figures(v)])
    for o in close.owners:
        writer.row([section("owner"), " ".join(o.plates), o.owner_name, "", "", *_figures(o)])
    for d in close.departures:
        writer.row([section("departure"), d.plate, "", d.departure.strftime("%Y-%m-%d %H:%M"),
                    d.destination, *_figures(d)])  # fmt: skip
    for r in close.refunds:
        writer.row([section("refund"), r.plate, r.code, r.refunded_at.strftime("%Y-%m-%d %H:%M"),
                    r.method, "", "", "", "", "", "", -r.amount])  # fmt: skip
    writer.row([section("total"), "", "", close.day.isoformat(), "", *_figures(close.totals)])
    return writer.text()


class _Page:
    """A cursor writing table rows down one column of the page, in small type."""

    ROW = 3.7 * mm

    def __init__(self, pdf, fonts, x, y, width, bottom):
        self.pdf, self.regular, self.bold = pdf, *fonts
        self.x, self.y, self.width, self.bottom = x, y, width, bottom

    def room(self, rows=1):
        return self.y - rows * self.ROW >= self.bottom

    def title(self, text):
        self.y -= 2 * mm
        self.pdf.setFillColor(GREEN)
        self.pdf.setFont(self.bold, 9)
        self.pdf.drawString(self.x, self.y, visual(text))
        self.pdf.setFillColor(colors.black)
        self.y -= self.ROW

    def row(self, cells, widths, *, bold=False, right_from=1):
        self.pdf.setFont(self.bold if bold else self.regular, 7.2)
        x = self.x
        for index, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            text = visual(cell)
            while text and self.pdf.stringWidth(text, self.regular, 7.2) > width - 1.5 * mm:
                text = text[:-1]
            if index >= right_from:
                self.pdf.drawRightString(x + width - 1 * mm, self.y, text)
            else:
                self.pdf.drawString(x, self.y, text)
            x += width
        self.y -= self.ROW

    def table(self, title, header, widths, lines, total=None):
        """Rows that do not fit are summed up in one line: the page stays one page."""
        self.title(title)
        self.row(header, widths, bold=True)
        shown = 0
        for cells in lines:
            if not self.room(2 + (total is not None)):
                break
            self.row(cells, widths)
            shown += 1
        if shown < len(lines):
            self.pdf.setFont(self.regular, 7)
            more = len(lines) - shown
            self.pdf.drawString(
                self.x,
                self.y,
                visual(
                    ngettext(
                        "… %(count)s ligne de plus : voir le CSV.",
                        "… %(count)s lignes de plus : voir le CSV.",
                        more,
                    )
                    % {"count": more}
                ),
            )
            self.y -= self.ROW
        if total is not None:
            self.row(total, widths, bold=True)


def cash_close_pdf(close):
    fonts = pdf_fonts()
    regular, bold = fonts
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    width, height = A4
    pdf.setTitle(
        _("Clôture de caisse %(station)s %(day)s")
        % {"station": close.station.local_name, "day": close.day.isoformat()}
    )
    pdf.setAuthor("Louage")
    pdf.setFillColor(GREEN)
    pdf.rect(0, height - 22 * mm, width, 22 * mm, fill=1, stroke=0)
    pdf.setFillColor(colors.white)
    pdf.setFont(bold, 15)
    pdf.drawString(12 * mm, height - 11 * mm, visual(_("Louage — Clôture de caisse")))
    pdf.setFont(regular, 10)
    pdf.drawString(
        12 * mm,
        height - 17.5 * mm,
        visual(
            _("%(station)s · %(day)s (heure de Tunis)")
            % {"station": close.station.local_name, "day": close.day.strftime("%d/%m/%Y")}
        ),
    )
    pdf.setFillColor(colors.black)

    t = close.totals
    y = height - 30 * mm
    summary = [
        (_("Espèces encaissées"), dt(t.cash_taken)), (_("Espèces remboursées"), dt(t.cash_refunded)),
        (_("Espèces en caisse"), dt(t.cash_net)), (_("Paiements en ligne"), dt(t.online_taken)),
        (_("Remboursements en ligne"), dt(t.online_refunded)), (_("Total net du jour"), dt(t.net)),
        (_("Places vendues"), str(t.seats_sold)), (_("Places remboursées"), str(t.seats_refunded)),
    ]  # fmt: skip
    for index, (label, value) in enumerate(summary):
        column, line = divmod(index, 4)
        x = 12 * mm + column * 95 * mm
        pdf.setFont(regular, 8.5)
        pdf.drawString(x, y - line * 4.6 * mm, visual(label))
        pdf.setFont(bold, 8.5)
        pdf.drawRightString(x + 85 * mm, y - line * 4.6 * mm, value)
    top = y - 4 * 4.6 * mm - 2 * mm
    bottom = 38 * mm
    left = _Page(pdf, fonts, 12 * mm, top, 90 * mm, bottom)
    right = _Page(pdf, fonts, 108 * mm, top, 90 * mm, bottom)

    widths = [30 * mm, 8 * mm, 26 * mm, 26 * mm]
    left.table(
        _("Par propriétaire"),
        [_("Propriétaire"), _("Pl."), _("Espèces"), _("En ligne")],
        widths,
        [[o.owner_name, o.seats_net, dt(o.cash_net), dt(o.online_net)] for o in close.owners],
    )
    left.table(
        _("Par véhicule"),
        [_("Véhicule"), _("Pl."), _("Espèces"), _("En ligne")],
        widths,
        [[v.plate, v.seats_net, dt(v.cash_net), dt(v.online_net)] for v in close.vehicles],
        total=[_("Total"), t.seats_net, dt(t.cash_net), dt(t.online_net)],
    )
    if close.refunds and left.room(4):
        left.table(
            _("Remboursements"),
            [_("Heure · réf."), "", _("Véhicule"), _("Montant")],
            widths,
            [[f"{r.refunded_at:%H:%M} {r.code}", "", r.plate, dt(r.amount)] for r in close.refunds],
        )
    right.table(
        _("Places vendues par départ"),
        [_("Départ"), _("Véhicule"), _("Pl."), _("Net")],
        [30 * mm, 24 * mm, 8 * mm, 28 * mm],
        [
            [f"{d.departure:%d/%m %H:%M} {d.destination}", d.plate, d.seats_net, dt(d.net)]
            for d in close.departures
        ],
        total=[_("Total"), "", t.seats_net, dt(t.net)],
    )

    pdf.setStrokeColor(colors.HexColor("#98a2b3"))
    pdf.line(12 * mm, 32 * mm, width - 12 * mm, 32 * mm)
    pdf.setFont(regular, 9)
    pdf.drawString(12 * mm, 26 * mm, visual(_("Le chef de station")))
    pdf.drawString(108 * mm, 26 * mm, visual(_("Les propriétaires des véhicules")))
    pdf.line(12 * mm, 14 * mm, 90 * mm, 14 * mm)
    pdf.line(108 * mm, 14 * mm, width - 12 * mm, 14 * mm)
    pdf.setFont(regular, 6.5)
    pdf.setFillColor(colors.HexColor("#667085"))
    printed = timezone.localtime().strftime("%d/%m/%Y %H:%M")
    footer = ngettext(
        "Édité le %(printed)s · %(count)s paiement · montants en dinars (1 DT = 1000 millimes)",
        "Édité le %(printed)s · %(count)s paiements · montants en dinars (1 DT = 1000 millimes)",
        t.payments,
    ) % {"printed": printed, "count": t.payments}
    pdf.drawString(12 * mm, 8 * mm, visual(footer))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
