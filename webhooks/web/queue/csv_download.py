"""CSV downloads from the queue, safe to open in a spreadsheet.

A cell that begins with = + - @ (or a tab or carriage return) is taken by Excel and
LibreOffice as a formula: a name typed as `=HYPERLINK(...)` into the chat would run when a
team lead opens the export. Such a cell gets a leading apostrophe, which spreadsheets show
as text (OWASP's advice on CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

from flask import Response

from webhooks.web.formatting import london

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Sortable in a spreadsheet, and still London time.
MOMENT = "%Y-%m-%d %H:%M"


def cell(value: object) -> str:
    """One value as a CSV cell: blank for None, yes/no for booleans, London time for a
    moment, and never read as a formula."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, datetime):
        text = london(value, MOMENT)
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The whole file: a header line, then one line per row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return out.getvalue()


def csv_response(text: str, filename: str) -> Response:
    """A download (never shown in the browser), not kept in any cache: it holds
    personal data. A byte order mark, so Excel reads names as UTF-8."""
    return Response(
        "\ufeff" + text,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
