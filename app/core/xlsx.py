"""A streaming XLSX (SpreadsheetML) writer for the exports: typed cells, a few styles,
column widths, a frozen header, an auto-filter and a print setup — and nothing else.

Why not a library: at 50 000 registry entries (1.4 million cells) xlsxwriter in
constant-memory mode took about 16 s on the office's kind of machine and openpyxl 47 s;
writing the XML of each row straight into a temporary file takes a fraction of that, with
memory as flat (bench/registry.py prints the figures). Every file is read back by openpyxl
and opened in LibreOffice in the tests.

Cells hold inline strings (no shared-string table to keep in memory), numbers, and dates
and times as Excel serial numbers with a number format.
"""

import re
import tempfile
import zipfile
from datetime import date, datetime, time
from xml.sax.saxutils import escape

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_EPOCH = datetime(1899, 12, 30)
_EPOCH_DATE = _EPOCH.date()
#: characters XML 1.0 cannot carry: written as Excel's _xHHHH_ escapes
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BUILTIN_FORMATS = {"General": 0}


def column_letters(index):
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


#: anything _text must change: markup characters or those XML cannot carry
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value):
    if _SPECIAL.search(value) is None:
        return value  # most cells: nothing to escape
    if _CONTROL.search(value):
        value = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    return escape(value)


def _serial(value):
    if isinstance(value, datetime):
        delta = value - _EPOCH
        return delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
    if isinstance(value, date):
        return (value - _EPOCH_DATE).days
    return (value.hour * 3600 + value.minute * 60 + value.second) / 86400


class Style:
    """A cell's look: a number format, bold, wrapped text, a background colour (RRGGBB)."""

    __slots__ = ("bold", "color", "index", "num_format", "wrap")

    def __init__(self, index, num_format, bold, wrap, color):
        self.index, self.num_format, self.bold, self.wrap, self.color = (
            index, num_format, bold, wrap, color,
        )  # fmt: skip


class Workbook:
    """``Workbook(target)``; ``add_sheet(…)`` per sheet, rows written as they come;
    ``close()`` writes the package. ``target``: a path or a binary file object."""

    def __init__(self, target):
        self.target = target
        self.sheets = []
        self.styles = []
        self._styles = {}
        self.style()  # index 0: the default look

    def style(self, *, num_format=None, bold=False, wrap=False, color=None):
        key = (num_format, bold, wrap, color)
        if key not in self._styles:
            self._styles[key] = Style(len(self.styles), num_format, bold, wrap, color)
            self.styles.append(self._styles[key])
        return self._styles[key]

    def add_sheet(self, name):
        sheet = Sheet(self, name)
        self.sheets.append(sheet)
        return sheet

    def close(self):
        with zipfile.ZipFile(self.target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
            package.writestr("[Content_Types].xml", self._content_types())
            package.writestr("_rels/.rels", self._root_rels())
            package.writestr("xl/workbook.xml", self._workbook())
            package.writestr("xl/_rels/workbook.xml.rels", self._workbook_rels())
            package.writestr("xl/styles.xml", self._styles_xml())
            for number, sheet in enumerate(self.sheets, start=1):
                with package.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True) as out:
                    sheet.write_to(out)

    # --- the package's parts ----------------------------------------------------------------

    def _content_types(self):
        sheets = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for n in range(1, len(self.sheets) + 1)
        )
        return (
            f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{sheets}</Types>"
        )

    def _root_rels(self):
        return (
            f'{_XML}<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_REL}/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'
        )

    def _workbook_rels(self):
        sheets = "".join(
            f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(self.sheets) + 1)
        )
        styles = (
            f'<Relationship Id="rId{len(self.sheets) + 1}" Type="{_REL}/styles" '
            'Target="styles.xml"/>'
        )
        return f'{_XML}<Relationships xmlns="{_PKG}">{sheets}{styles}</Relationships>'

    def _workbook(self):
        sheets, names = [], []
        for index, sheet in enumerate(self.sheets):
            sheets.append(f'<sheet name="{escape(sheet.name, {chr(34): "&quot;"})}" '
                          f'sheetId="{index + 1}" r:id="rId{index + 1}"/>')  # fmt: skip
            quoted = "'" + sheet.name.replace("'", "''") + "'"
            if sheet.filter_ref:
                names.append(
                    f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" '
                    f'hidden="1">{escape(quoted)}!{sheet.absolute(sheet.filter_ref)}</definedName>'
                )
            if sheet.title_row is not None:
                row = sheet.title_row + 1
                names.append(
                    f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
                    f"{escape(quoted)}!${row}:${row}</definedName>"
                )
        defined = f"<definedNames>{''.join(names)}</definedNames>" if names else ""
        return (
            f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/>'
            f"</bookViews><sheets>{''.join(sheets)}</sheets>{defined}</workbook>"
        )

    def _styles_xml(self):
        formats, format_ids = [], {}
        for style in self.styles:
            code = style.num_format
            if code and code not in format_ids and code not in _BUILTIN_FORMATS:
                format_ids[code] = 164 + len(formats)
                formats.append(f'<numFmt numFmtId="{format_ids[code]}" '
                               f'formatCode="{escape(code, {chr(34): "&quot;"})}"/>')  # fmt: skip
        colors = sorted({s.color for s in self.styles if s.color})
        fills = ['<fill><patternFill patternType="none"/></fill>',
                 '<fill><patternFill patternType="gray125"/></fill>']  # fmt: skip
        fills += [
            f'<fill><patternFill patternType="solid"><fgColor rgb="FF{c}"/><bgColor indexed="64"/>'
            "</patternFill></fill>"
            for c in colors
        ]
        xfs = []
        for style in self.styles:
            number = format_ids.get(style.num_format, _BUILTIN_FORMATS.get(style.num_format, 0))
            fill = colors.index(style.color) + 2 if style.color else 0
            attrs = (
                f'numFmtId="{number}" fontId="{1 if style.bold else 0}" fillId="{fill}" '
                f'borderId="0" xfId="0"'
            )
            attrs += ' applyNumberFormat="1"' if number else ""
            attrs += ' applyFont="1"' if style.bold else ""
            attrs += ' applyFill="1"' if fill else ""
            align = '<alignment vertical="top"' + (' wrapText="1"' if style.wrap else "") + "/>"
            xfs.append(f'<xf {attrs} applyAlignment="1">{align}</xf>')
        return (
            f'{_XML}<styleSheet xmlns="{_MAIN}">'
            + (f'<numFmts count="{len(formats)}">{"".join(formats)}</numFmts>' if formats else "")
            + '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
            f'<fills count="{len(fills)}">{"".join(fills)}</fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
            'borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            "</cellStyles></styleSheet>"
        )


class Sheet:
    """One worksheet. Set widths first, then ``write_row`` row after row (0-based), then the
    view, filter and print settings; the rows go to a temporary file as they come."""

    def __init__(self, book, name):
        self.book = book
        self.name = name
        self.widths = []
        self.rows = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        self.next_row = 0
        self.last_column = 0
        self.frozen_rows = 0
        self.filter_ref = None
        self.title_row = None
        self.landscape = False
        self.fit_width = False
        self.paper = None
        self._letters = []

    def set_widths(self, widths):
        self.widths = list(widths)

    def _letter(self, index):
        while len(self._letters) <= index:
            self._letters.append(column_letters(len(self._letters)))
        return self._letters[index]

    def write_row(self, row, cells):
        """``cells``: (value, Style) per column; None for an empty cell. Values: str, int,
        float, Decimal, date, datetime, time."""
        if row < self.next_row:
            raise ValueError("rows are written in order")
        number = row + 1
        if len(self._letters) < len(cells):
            self._letter(len(cells) - 1)
        letters = self._letters
        parts = [f'<row r="{number}">']
        append = parts.append
        last = -1
        for index, cell in enumerate(cells):
            if cell is None or cell[0] is None:
                continue
            value, style = cell
            s = style.index if style else 0
            kind = type(value)
            if kind is str or (kind is not bool and isinstance(value, str)):
                append(f'<c r="{letters[index]}{number}" s="{s}" t="inlineStr"><is>'
                       f'<t xml:space="preserve">{_text(value)}</t></is></c>')  # fmt: skip
            elif kind is bool:
                append(f'<c r="{letters[index]}{number}" s="{s}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, date | time):
                append(f'<c r="{letters[index]}{number}" s="{s}"><v>{_serial(value)}</v></c>')
            else:
                append(f'<c r="{letters[index]}{number}" s="{s}"><v>{value}</v></c>')
            last = index
        parts.append("</row>")
        self.rows.write("".join(parts))
        if last > self.last_column:
            self.last_column = last
        self.next_row = row + 1

    def freeze(self, rows):
        self.frozen_rows = rows

    def autofilter(self, first_row, last_row, last_column):
        self.filter_ref = (first_row, 0, last_row, last_column)

    def print_setup(self, *, title_row, landscape=True, paper=9, fit_width=True):
        self.title_row, self.landscape, self.paper, self.fit_width = (
            title_row, landscape, paper, fit_width,
        )  # fmt: skip

    def ref(self, area):
        first_row, first_col, last_row, last_col = area
        return f"{self._letter(first_col)}{first_row + 1}:{self._letter(last_col)}{last_row + 1}"

    def absolute(self, area):
        first_row, first_col, last_row, last_col = area
        return (
            f"${self._letter(first_col)}${first_row + 1}:${self._letter(last_col)}${last_row + 1}"
        )

    def write_to(self, out):
        """The worksheet part, its rows copied from the temporary file."""
        dimension = self.ref((0, 0, max(self.next_row - 1, 0), self.last_column))
        head = [_XML, f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">']
        if self.fit_width:
            head.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
        head.append(f'<dimension ref="{dimension}"/>')
        if self.frozen_rows:
            below = f"A{self.frozen_rows + 1}"
            head.append(
                '<sheetViews><sheetView workbookViewId="0"><pane ySplit="'
                f'{self.frozen_rows}" topLeftCell="{below}" activePane="bottomLeft" '
                f'state="frozen"/><selection pane="bottomLeft" activeCell="{below}" '
                f'sqref="{below}"/></sheetView></sheetViews>'
            )
        else:
            head.append('<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
        head.append('<sheetFormatPr defaultRowHeight="15"/>')
        if self.widths:
            head.append(
                "<cols>"
                + "".join(
                    f'<col min="{i + 1}" max="{i + 1}" width="{w + 0.71:.2f}" customWidth="1"/>'
                    for i, w in enumerate(self.widths)
                )
                + "</cols>"
            )
        head.append("<sheetData>")
        out.write("".join(head).encode("utf-8"))
        self.rows.seek(0)
        while chunk := self.rows.read(1 << 20):
            out.write(chunk.encode("utf-8"))
        self.rows.close()
        tail = ["</sheetData>"]
        if self.filter_ref:
            tail.append(f'<autoFilter ref="{self.ref(self.filter_ref)}"/>')
        tail.append(
            '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" '
            'footer="0.3"/>'
        )
        setup = []
        if self.paper:
            setup.append(f'paperSize="{self.paper}"')
        if self.landscape:
            setup.append('orientation="landscape"')
        if self.fit_width:
            setup.append('fitToWidth="1" fitToHeight="0"')
        if setup:
            tail.append(f"<pageSetup {' '.join(setup)}/>")
        tail.append("</worksheet>")
        out.write("".join(tail).encode("utf-8"))
