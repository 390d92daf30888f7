"""Checks shared by the export tests: an XLSX sheet read back with openpyxl is typed, fitted,
filtered and ready to print."""

import io

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries

#: what app.core.spreadsheet writes (the writer adds Excel's padding of under a character)
MIN_WIDTH, MAX_WIDTH = 6, 61


def workbook(data):
    """The file as Excel would load it (not read-only: styles, widths, print settings)."""
    return load_workbook(io.BytesIO(data))


def header_map(sheet, header_row):
    """{header text: column number}."""
    return {
        cell.value: cell.column
        for cell in sheet[header_row]
        if cell.value is not None and not hasattr(cell.value, "year")
    }


def assert_print_ready(sheet, *, header_row, columns, data_rows):
    """Bold frozen header, a filter over the table, fitted widths, landscape A4 one page
    wide with the header on every page."""
    assert all(sheet.cell(header_row, c).font.b for c in range(1, columns + 1))
    assert sheet.freeze_panes == f"A{header_row + 1}"
    filtered = range_boundaries(sheet.auto_filter.ref)  # "A1" when a single cell
    assert filtered == (1, header_row, columns, header_row + data_rows), sheet.auto_filter.ref
    assert sheet.print_title_rows == f"${header_row}:${header_row}"
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    # one page wide: fitToWidth left out means the file format's default, 1
    assert int(sheet.page_setup.fitToWidth or 1) == 1
    assert int(sheet.page_setup.fitToHeight) == 0  # as many pages long as it takes
    for column in range(1, columns + 1):
        width = sheet.column_dimensions[get_column_letter(column)].width
        assert MIN_WIDTH <= width <= MAX_WIDTH, (column, width)


def assert_no_apostrophes(sheet):
    """An XLSX text cell is never a formula: nothing is quoted."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                assert not cell.value.startswith("'"), cell.coordinate
                assert cell.data_type == "s", cell.coordinate
