"""Every export's spreadsheet: columns described once with their type, written as XLSX
(typed cells, fitted widths, a filter, ready to print) or as CSV for Excel in ru-KZ / kk-KZ."""

import csv
import enum
import io
import itertools
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel.speaklater import LazyString

from .i18n import LOCAL_TZ, format_phone
from .xlsx import Workbook

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv"

#: rows read ahead to fit the column widths; the rest is streamed
FIT_ROWS = 200
#: column widths, in characters
MIN_WIDTH, MAX_WIDTH = 6, 60
#: a header longer than this wraps onto a second line instead of widening its column
HEADER_WIDTH = 24


class Type(enum.Enum):
    text = "text"
    #: stored E.164, shown as «+7 701 123 45 67»
    phone = "phone"
    date = "date"
    time = "time"
    datetime = "datetime"
    integer = "integer"
    #: tenge, two decimals
    money = "money"
    #: yes / no, as words
    boolean = "boolean"
    #: a duration in minutes, one decimal
    minutes = "minutes"


#: Russian order of day, month and year; Excel and LibreOffice show them in any language
NUMBER_FORMATS = {
    Type.date: "DD.MM.YYYY",
    Type.time: "HH:MM",
    Type.datetime: "DD.MM.YYYY HH:MM",
    Type.integer: "#,##0",
    Type.money: "#,##0.00",
    Type.minutes: "0.0",
}
CSV_FORMATS = {Type.date: "%d.%m.%Y", Type.time: "%H:%M", Type.datetime: "%d.%m.%Y %H:%M"}
#: ?sep= of a CSV link → (field separator, decimal separator)
SEPARATORS = {"semicolon": (";", ","), "comma": (",", ".")}


@dataclass(frozen=True)
class Column:
    #: the header: a (lazy) string, or a date for a column per Day
    label: object
    type: Type = Type.text
    #: long text: wrapped, within the width cap
    wrap: bool = False


@dataclass(frozen=True)
class Tinted:
    """A value on a coloured background (a quota status)."""

    value: object
    #: RRGGBB
    color: str


@dataclass
class Table:
    """One sheet: an optional title line, the header, the rows, an optional totals line."""

    name: str
    columns: list
    #: lists of values in column order, read once (a generator streams)
    rows: Iterable
    #: values of a title line above the header (strings, dates)
    heading: list | None = None
    #: a bold line below the table, outside its filter
    totals: list | None = None


# --- values -------------------------------------------------------------------------------

PHONE = re.compile(r"^\+\d[\d ]{5,24}$")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A text starting with = + - @ would run as a formula when a CSV is opened: an
    apostrophe keeps it text. Phone numbers («+7 701 123 45 67») stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not PHONE.match(value):
        return "'" + value
    return value


def _local(moment):
    """An aware datetime as the naive Asia/Almaty time a spreadsheet cell holds."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ).replace(tzinfo=None, microsecond=0)


class _Values:
    """Turns a row's values into what the cells hold: str, date, time, naive datetime, int,
    Decimal. A translated title is looked up once per table, not once per cell (at 50 000
    rows the lookups would take longer than writing the file)."""

    #: distinct lazy strings remembered (titles of enums: a few dozen)
    MEMO_SIZE = 1000

    def __init__(self):
        self.words = {True: _("yes"), False: _("no")}
        self.memo = {}

    def text(self, value):
        if isinstance(value, str):
            return value
        if isinstance(value, LazyString):
            # keyed by identity, the object kept alive with its text so the id stays its own
            found = self.memo.get(id(value))
            if found is None:
                found = (value, str(value))
                if len(self.memo) < self.MEMO_SIZE:
                    self.memo[id(value)] = found
            return found[1]
        return str(value)

    def __call__(self, kind, value):
        if value is None or (isinstance(value, str) and not value):
            return None
        if kind is Type.text:
            return self.text(value)
        if kind is Type.date:
            return _local(value).date() if isinstance(value, datetime) else value
        if kind is Type.time:
            return _local(value).time() if isinstance(value, datetime) else value
        if kind is Type.datetime:
            return _local(value)
        if kind is Type.integer:
            return int(value)
        if kind is Type.money:
            return value if isinstance(value, Decimal) else Decimal(str(value))
        if kind is Type.minutes:
            return round(float(value), 1)
        if kind is Type.boolean:
            return self.words[bool(value)]
        if kind is Type.phone:
            return format_phone(str(value))
        return self.text(value)

    def converter(self, kind):
        """``self(kind, value)`` as a function of the value alone, for one column: text —
        most cells — without the walk through every type."""
        if kind is not Type.text:
            return lambda value: self(kind, value)
        text = self.text

        def text_cell(value):
            if value.__class__ is str:
                return value or None
            if value is None:
                return None
            if isinstance(value, str):
                return value or None
            return text(value)

        return text_cell

    def row(self, columns, row):
        """(value, colour) per column."""
        cells = []
        for column, value in zip(columns, row, strict=True):
            color = None
            if isinstance(value, Tinted):
                value, color = value.value, value.color
            cells.append((self(column.type, value), color))
        return cells


def _type_of(value):
    """The type of a heading or totals value, from the value itself."""
    if isinstance(value, bool):
        return Type.boolean
    if isinstance(value, int):
        return Type.integer
    if isinstance(value, float | Decimal):
        return Type.money
    if isinstance(value, datetime):
        return Type.datetime
    if isinstance(value, date):
        return Type.date
    if isinstance(value, time):
        return Type.time
    return Type.text


def _shown_width(kind, value):
    """How many characters the cell shows."""
    if value is None:
        return 0
    if kind is Type.integer:
        return len(f"{value:,}")
    if kind is Type.money:
        return len(f"{value:,.2f}")
    if kind is Type.minutes:
        return len(f"{value:.1f}")
    if kind in (Type.date, Type.time, Type.datetime):
        return len(value.strftime(CSV_FORMATS[kind]))
    return max(len(line) for line in value.split("\n"))


def _label(label):
    return label if isinstance(label, date) else str(label)


def _csv_label(label):
    return label.strftime(CSV_FORMATS[Type.date]) if isinstance(label, date) else str(label)


def fitted_widths(columns, rows):
    """Each column's width: its longest value among ``rows`` or its header (a long one
    wraps), capped."""
    widths = []
    for index, column in enumerate(columns):
        label = _label(column.label)
        header = 10 if isinstance(label, date) else len(label)
        longest_word = 0 if isinstance(label, date) else max(map(len, label.split() or [""]))
        longest = max((_shown_width(column.type, row[index][0]) for row in rows), default=0)
        width = max(longest, min(header, HEADER_WIDTH), longest_word) + 2
        widths.append(min(max(width, MIN_WIDTH), MAX_WIDTH))
    return widths


def _sheet_name(name):
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "-", str(name))[:31] or "Sheet"


# --- XLSX -----------------------------------------------------------------------------------


class _Styles:
    """The workbook's looks, each made once."""

    def __init__(self, book):
        self.book = book

    def __call__(self, kind, *, bold=False, wrap=False, color=None):
        return self.book.style(
            num_format=NUMBER_FORMATS.get(kind), bold=bold, wrap=wrap, color=color
        )


def _write_table(book, styles, table):
    sheet = book.add_sheet(_sheet_name(table.name))
    columns = table.columns
    values = _Values()
    heading = None
    if table.heading:
        kinds = [_type_of(value) for value in table.heading]
        heading = [(values(k, v), styles(k, bold=True))
                   for k, v in zip(kinds, table.heading, strict=True)]  # fmt: skip
    header = []
    for column in columns:
        label = _label(column.label)
        kind = Type.date if isinstance(label, date) else Type.text
        header.append((label, styles(kind, bold=True, wrap=True)))
    plain = [styles(column.type, wrap=column.wrap) for column in columns]
    looks = list(zip(map(values.converter, (c.type for c in columns)), plain, strict=True))

    def cells_of(row):
        """(value, style) per column: the value as its cell holds it, in its column's look
        (a tinted value on its colour)."""
        cells = []
        for (convert, look), value in zip(looks, row, strict=True):
            if value.__class__ is Tinted:
                column = columns[len(cells)]
                look = styles(column.type, wrap=column.wrap, color=value.color)
                value = value.value
            cells.append((convert(value), look))
        return cells

    rows = map(cells_of, table.rows)
    ahead = list(itertools.islice(rows, FIT_ROWS))
    sheet.set_widths(fitted_widths(columns, ahead))
    top = 0
    if heading:
        sheet.write_row(0, heading)
        top = 1
    sheet.write_row(top, header)
    last = top
    for last, cells in enumerate(itertools.chain(ahead, rows), start=top + 1):
        sheet.write_row(last, cells)
    if table.totals:
        kinds = [_type_of(value) for value in table.totals]
        sheet.write_row(last + 1, [(values(k, v), styles(k, bold=True))
                                   for k, v in zip(kinds, table.totals, strict=True)])  # fmt: skip
    sheet.freeze(top + 1)
    sheet.autofilter(top, last, len(columns) - 1)
    # Landscape A4, one page wide, the header row on every printed page.
    sheet.print_setup(title_row=top, landscape=True, paper=9, fit_width=True)


def write_xlsx(target, tables):
    """Our streaming writer (app/core/xlsx.py): each row goes to a temporary file as it
    comes. bench/registry.py: see its figures for 50 000 registry entries."""
    book = Workbook(target)
    styles = _Styles(book)
    for table in tables:
        _write_table(book, styles, table)
    book.close()


def xlsx_file(*tables):
    """The workbook in a temporary file, rewound, for the response to stream: memory stays
    flat however many rows."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it)
    write_xlsx(out, tables)
    out.seek(0)
    return out


def xlsx_bytes(*tables):
    out = io.BytesIO()
    write_xlsx(out, tables)
    return out.getvalue()


# --- CSV ------------------------------------------------------------------------------------


def csv_separator(value):
    """?sep=comma → RFC 4180 commas and decimal points; anything else → what Excel in
    ru-KZ and kk-KZ opens by double click: semicolons and decimal commas."""
    return "comma" if value == "comma" else "semicolon"


def _csv_cell(kind, value, decimal):
    if value is None:
        return ""
    if kind in CSV_FORMATS:
        return value.strftime(CSV_FORMATS[kind])
    if kind is Type.integer:
        return str(value)
    if kind is Type.money:
        return f"{value:.2f}".replace(".", decimal)
    if kind is Type.minutes:
        return f"{value:.1f}".replace(".", decimal)
    return safe_cell(value)


def csv_chunks(columns, rows, *, sep="semicolon", batch=500):
    """UTF-8 with a BOM (Excel then reads Cyrillic and Kazakh letters right), yielded every
    ``batch`` rows: memory stays flat however many rows."""
    delimiter, decimal = SEPARATORS[sep]
    values = _Values()
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow([safe_cell(_csv_label(c.label)) for c in columns])
    for count, row in enumerate(rows, start=1):
        writer.writerow(
            [
                _csv_cell(column.type, value, decimal)
                for column, (value, _color) in zip(columns, values.row(columns, row), strict=True)
            ]
        )
        if count % batch == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")
