"""Every message the code shows exists, translated, in Russian and Kazakh."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "app" / "translations"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}


def source_messages():
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def catalog(lang):
    with open(CATALOGS / lang / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=lang)


def test_the_source_has_messages():
    assert len(source_messages()) > 30


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_every_message_is_translated(lang):
    entries = {}
    for message in catalog(lang):
        if message.id:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            entries[key] = message
    missing = sorted(source_messages() - set(entries))
    assert not missing, f"not in the {lang} catalog (run `make messages`): {missing}"
    untranslated = sorted(
        key
        for key, message in entries.items()
        if "fuzzy" in message.flags
        or not message.string
        or (isinstance(message.string, tuple) and not all(message.string))
    )
    assert not untranslated, f"untranslated or fuzzy in {lang}: {untranslated}"


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_placeholders_survive_translation(lang):
    import re

    placeholder = re.compile(r"%\((\w+)\)[sd]")
    for message in catalog(lang):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(placeholder.findall(ids[-1]))
        for string in strings:
            assert set(placeholder.findall(string)) == wanted, (lang, message.id, string)
