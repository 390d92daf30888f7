"""The quota dashboard as an XLSX file for the akim."""

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from app.core.i18n import localized

FILLS = {
    "met": PatternFill("solid", fgColor="C6EFCE"),
    "on_track": PatternFill("solid", fgColor="FFEB9C"),
    "below": PatternFill("solid", fgColor="FFC7CE"),
}


def _status(quota):
    return str(quota.status.title) if quota.status else _("cancelled")


def quotas_xlsx(day, quotas, recent, districts, matrix):
    book = Workbook()
    sheet = book.active
    sheet.title = day.date.isoformat()
    sheet.append([_("Delegates of the districts"), day.date.isoformat()])
    sheet.append([_("District or city"), _("Registered"), _("Arrived"), _("Minimum"),
                  _("Target"), _("Status")])  # fmt: skip
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for quota in quotas:
        sheet.append([localized(quota.district), quota.registered, quota.attended,
                      quota.delegate_min, quota.delegate_target, _status(quota)])  # fmt: skip
        if quota.status:
            sheet.cell(sheet.max_row, 6).fill = FILLS[quota.status.value]
    grid = book.create_sheet(_("Last 12 Days")[:31])
    grid.append([_("District or city"), *[d.date.isoformat() for d in recent], _("Days met")])
    for cell in grid[1]:
        cell.font = Font(bold=True)
    for district in districts:
        row = matrix[district.id]
        met = sum(1 for q in row.values() if q.status == "met")
        grid.append([localized(district), *[f"{row[d.id].attended}/{row[d.id].delegate_min}"
                                             for d in recent], met])  # fmt: skip
        for column, day_ in enumerate(recent, start=2):
            quota = row[day_.id]
            if quota.status:
                grid.cell(grid.max_row, column).fill = FILLS[quota.status.value]
    totals = [_("Districts that met the quota")]
    for day_ in recent:
        totals.append(
            sum(
                1
                for d in districts
                if (q := matrix[d.id][day_.id]).status and q.status.value == "met"
            )
        )
    grid.append(totals)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
