"""Small server-side SVG bar charts: no script (the CSP stays as it is), readable on a
360 px phone (the drawing is 360 units wide and scales down no further) and in print. Each
chart sits beside the table it draws, which is its text alternative."""

from markupsafe import Markup, escape

WIDTH = 360
ROW = 40
TOP = 6
LABEL_SIZE = 13
BAR = 14
#: room right of the longest bar for its number
VALUE_ROOM = 56


def _number(value):
    if isinstance(value, float):
        return f"{value:.0%}"
    return f"{value:,}".replace(",", "\u202f")


def bar_chart(rows, *, title):
    """A horizontal bar chart of [(label, value)]: each label on its own line, its bar
    below it with the value at the bar's end. Values are whole numbers (or shares 0–1)."""
    rows = list(rows)
    height = TOP + ROW * max(len(rows), 1) + 4
    top = max([value for _label, value in rows] + [0])
    scale = (WIDTH - VALUE_ROOM) / top if top else 0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}"'
        f' width="{WIDTH}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(rows):
        y = TOP + index * ROW
        length = max(value * scale, 1 if value else 0)
        shown = escape(_number(value))
        parts.append(
            f'<g class="chart-row"><text x="0" y="{y + LABEL_SIZE}" font-size="{LABEL_SIZE}">'
            f"{escape(label)}</text>"
            f'<rect x="0" y="{y + 18}" width="{length:.1f}" height="{BAR}" rx="2"'
            f' fill="#0b4f8a"><title>{escape(label)}: {shown}</title></rect>'
            f'<text x="{length + 6:.1f}" y="{y + 30}" font-size="{LABEL_SIZE}"'
            f' font-weight="bold" class="chart-value">{shown}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every label and number is escaped above)
