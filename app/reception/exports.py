"""The attendance list of a Day as XLSX and CSV, in the page's language."""

from flask_babel import gettext as _

from app.core.i18n import localized
from app.core.spreadsheet import Column, Table, Type, csv_chunks, xlsx_bytes


def columns():
    return [
        Column(_("Time"), Type.time),
        Column(_("Booking code")),
        Column(_("Full name")),
        Column(_("Category")),
        Column(_("Organisation")),
        Column(_("District or city")),
        Column(_("Phone"), Type.phone),
        Column(_("E-mail")),
        Column(_("Topic")),
        Column(_("Status")),
        Column(_("Arrived at"), Type.time),
        Column(_("Source")),
        Column(_("Message"), wrap=True),
        Column(_("Visit notes"), wrap=True),
    ]


def attendance_rows(listing):
    """One row per booking: the slot's start (none for a walk-in), who, and what happened."""
    for booking in listing:
        yield [
            booking.slot.starts_at if booking.slot else None,
            booking.code,
            booking.full_name,
            booking.category.title,
            booking.organization,
            localized(booking.district) if booking.district else None,
            booking.phone,
            booking.email,
            booking.topic.title,
            booking.status.title,
            booking.checked_in_at,
            booking.source.title,
            booking.message,
            "\n".join(
                note.text + (f" → {note.follow_up}" if note.follow_up else "")
                for note in booking.notes
            ),
        ]


def attendance_xlsx(day, rows):
    return xlsx_bytes(
        Table(
            day.date.isoformat(),
            columns(),
            rows,
            heading=[_("Civil Initiatives Day"), day.date],
        )
    )


def attendance_csv(rows, *, sep="semicolon"):
    return b"".join(csv_chunks(columns(), rows, sep=sep))
