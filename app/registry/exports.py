"""The registry in the registry form (XLSX, CSV) and the twice-monthly report (XLSX), in
Russian whatever the page's language: the office hands them upward."""

from flask_babel import force_locale
from flask_babel import gettext as _

from app.core import jobs
from app.core.i18n import localized
from app.core.spreadsheet import (
    CSV_MIMETYPE,
    XLSX_MIMETYPE,
    Column,
    Table,
    Type,
    csv_chunks,
    xlsx_bytes,
    xlsx_file,
)

from . import services
from .models import Status, Subprogram

#: the language of the registry form and of the report
FORM_LANGUAGE = "ru"


def columns():
    """The registry form's columns (call under ``force_locale``)."""
    return [
        Column(_("No. in the registry")),
        Column(_("Registry")),
        Column(_("District / city")),
        Column(_("Kind (project / event)")),
        Column(_("Name of the project or event"), wrap=True),
        Column(_("Description"), wrap=True),
        Column(_("Subprogram")),
        Column(_("Special project")),
        Column(_("Significance (district / region)")),
        Column(_("Initiator")),
        Column(_("Name of the initiator / full name")),
        Column(_("Phone"), Type.phone),
        Column(_("E-mail")),
        Column(_("Expected result"), wrap=True),
        Column(_("Start of implementation"), Type.date),
        Column(_("End of implementation"), Type.date),
        Column(_("Date of the event"), Type.date),
        Column(_("People involved, persons"), Type.integer),
        Column(_("Funding needed, tenge"), Type.money),
        Column(_("Source of funding")),
        Column(_("Justification and calculation"), wrap=True),
        Column(_("Charity or patronage"), Type.boolean),
        Column(_("Received after 30 September"), Type.boolean),
        Column(_("Status")),
        Column(_("Reason for rejection / merged into"), wrap=True),
        Column(_("Responsible person")),
        Column(_("Received from")),
        Column(_("Date of receipt"), Type.datetime),
    ]


def row_of(p):
    """One entry (a row of ``services.export_rows``) in the columns' order (the enums' titles
    are translated when written)."""
    return [
        p.number, p.in_registry.title, localized(p, "district_name"), p.kind.title, p.title,
        p.description, p.subprogram.title,
        p.special_project.title if p.special_project else None, p.scale.title,
        p.initiator_type.title, p.initiator_name, p.phone, p.email, p.expected_result,
        p.starts_on, p.ends_on, p.event_date, p.people_involved, p.funding_amount,
        p.funding_source, p.funding_justification, p.is_charity, p.funding_late,
        p.status.title, p.reason or p.merged_number,
        p.responsible, p.origin.title, p.created_at,
    ]  # fmt: skip


def registry_xlsx(proposals):
    """The registry form in a temporary file (streamed rows: memory stays flat at 50 000)."""
    with force_locale(FORM_LANGUAGE):
        return xlsx_file(Table(_("Registry"), columns(), (row_of(p) for p in proposals)))


def registry_csv(proposals, *, sep="semicolon", batch=500):
    """The registry form as CSV, yielded in chunks of ``batch`` rows."""
    with force_locale(FORM_LANGUAGE):
        yield from csv_chunks(columns(), (row_of(p) for p in proposals), sep=sep, batch=batch)


def report_xlsx(rows, since, on):
    """Per district: projects and events, new ones, by status and subprogram, people and
    funding; a totals line."""

    def figures(row):
        return [row.projects, row.events, row.new, *[row.by_status[s] for s in Status],
                *[row.by_subprogram[s] for s in Subprogram], row.people, row.funding,
                row.on_time, row.late, row.overdue]  # fmt: skip

    totals = [sum(column) for column in zip(*map(figures, rows), strict=True)] if rows else []
    as_of, new_since = f"{on:%d.%m.%Y}", f"{since:%d.%m.%Y}"
    with force_locale(FORM_LANGUAGE):
        columns = [
            Column(_("District / city")),
            Column(_("Projects"), Type.integer),
            Column(_("Events"), Type.integer),
            Column(_("New"), Type.integer),
            *[Column(status.title, Type.integer) for status in Status],
            *[Column(subprogram.title, Type.integer) for subprogram in Subprogram],
            Column(_("People involved, persons"), Type.integer),
            Column(_("Funding needed, tenge"), Type.money),
            Column(_("Answered on time"), Type.integer),
            Column(_("Answered late"), Type.integer),
            Column(_("Overdue"), Type.integer),
        ]
        heading = [
            _(
                "Information on the implementation of projects and events as of %(date)s",
                date=as_of,
            ),
            _("new since %(date)s", date=new_since),
        ]
        lines = [[localized(row.district), *figures(row)] for row in rows]
        table = Table(
            _("Information"), columns, lines, heading=heading, totals=[_("Total"), *totals]
        )
        return xlsx_bytes(table)


# --- large exports run as background jobs (app/core/jobs.py) ----------------------------------


@jobs.runner("registry_xlsx")
def registry_xlsx_job(job, progress):
    filters = services.filters_from_json(job.params["filters"])
    rows = jobs.counted(services.export_rows(filters, job.params.get("scope")), progress)
    return "registry.xlsx", XLSX_MIMETYPE, registry_xlsx(rows)


@jobs.runner("registry_csv")
def registry_csv_job(job, progress):
    filters = services.filters_from_json(job.params["filters"])
    rows = jobs.counted(services.export_rows(filters, job.params.get("scope")), progress)
    out = jobs.spool()
    for chunk in registry_csv(rows, sep=job.params.get("sep", "semicolon")):
        out.write(chunk)
    return "registry.csv", CSV_MIMETYPE, out
