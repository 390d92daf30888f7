"""The quota dashboard as an XLSX file for the akim, in the page's language."""

from flask_babel import gettext as _

from app.core.i18n import localized
from app.core.spreadsheet import Column, Table, Tinted, Type, xlsx_bytes

from .services import QuotaStatus

#: the dashboard's colours: met, on track, below
COLORS = {
    QuotaStatus.met: "C6EFCE",
    QuotaStatus.on_track: "FFEB9C",
    QuotaStatus.below: "FFC7CE",
}


def _tinted(quota, value):
    return Tinted(value, COLORS[quota.status]) if quota.status else value


def quotas_xlsx(day, quotas, recent, districts, matrix):
    """Two sheets: the Day's districts with their status; districts × the last 12 Days."""
    standing = [
        [localized(q.district), q.registered, q.attended, q.delegate_min, q.delegate_target,
         _tinted(q, q.status.title if q.status else _("cancelled"))]
        for q in quotas
    ]  # fmt: skip
    day_sheet = Table(
        day.date.isoformat(),
        [
            Column(_("District or city")),
            Column(_("Registered"), Type.integer),
            Column(_("Arrived"), Type.integer),
            Column(_("Minimum"), Type.integer),
            Column(_("Target"), Type.integer),
            Column(_("Status")),
        ],
        standing,
        heading=[_("Delegates of the districts"), day.date],
    )
    lines = []
    for district in districts:
        row = matrix[district.id]
        cells = [
            _tinted(row[d.id], f"{row[d.id].attended}/{row[d.id].delegate_min}") for d in recent
        ]
        met = sum(1 for quota in row.values() if quota.status == QuotaStatus.met)
        lines.append([localized(district), *cells, met])
    met_per_day = [
        sum(1 for x in districts if matrix[x.id][d.id].status == QuotaStatus.met) for d in recent
    ]
    grid = Table(
        _("Last 12 Days"),
        [
            Column(_("District or city")),
            *[Column(d.date) for d in recent],
            Column(_("Days met"), Type.integer),
        ],
        lines,
        totals=[_("Districts that met the quota"), *met_per_day],
    )
    return xlsx_bytes(day_sheet, grid)
