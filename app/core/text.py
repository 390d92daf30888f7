"""Text as people typed it, made safe to show: names without invisible tricks."""

import unicodedata

#: bidirectional controls (embeddings, overrides, isolates, marks): they reorder what
#: surrounds them, e.g. to make a name read as something else
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def clean_name(value):
    """A name with bidi controls removed and spaces collapsed; "" when nothing visible is
    left (zero-width spaces, joiners and other format characters alone are no name)."""
    if not isinstance(value, str):
        return value
    value = "".join(ch for ch in value if ch not in BIDI_CONTROLS)
    visible = [ch for ch in value if not (ch.isspace() or unicodedata.category(ch) == "Cf")]
    if not visible:
        return ""
    return " ".join(value.split())
