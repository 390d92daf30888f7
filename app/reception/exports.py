"""The attendance list of a Day as rows, CSV and XLSX (Russian or Kazakh headers)."""

import io
import re

from flask_babel import gettext as _
from openpyxl import Workbook

from app.core.i18n import localized, to_local


def headers():
    return [
        _("Time"), _("Booking code"), _("Full name"), _("Category"), _("Organisation"),
        _("District or city"), _("Phone"), _("E-mail"), _("Topic"), _("Status"),
        _("Arrived at"), _("Source"), _("Message"), _("Visit notes"),
    ]  # fmt: skip


def _time(booking):
    if booking.slot is None:
        return ""
    return f"{to_local(booking.slot.starts_at):%H:%M}–{to_local(booking.slot.ends_at):%H:%M}"


def attendance_rows(listing):
    for booking in listing:
        yield [
            _time(booking),
            booking.code,
            booking.full_name,
            str(booking.category.title),
            booking.organization or "",
            localized(booking.district) if booking.district else "",
            booking.phone or "",
            booking.email or "",
            str(booking.topic.title),
            str(booking.status.title),
            f"{to_local(booking.checked_in_at):%H:%M}" if booking.checked_in_at else "",
            str(booking.source.title),
            booking.message or "",
            "\n".join(
                note.text + (f" → {note.follow_up}" if note.follow_up else "")
                for note in booking.notes
            ),
        ]


def xlsx(day, rows):
    book = Workbook(write_only=True)
    sheet = book.create_sheet(day.date.isoformat())
    sheet.append([_("Civil Initiatives Day"), day.date.isoformat()])
    sheet.append(headers())
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


PHONE = re.compile(r"^\+\d{6,15}$")


def safe_cell(value):
    """A visitor's text starting with = + - @ would run as a formula in a spreadsheet."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not PHONE.match(value):
        return "'" + value
    return value
