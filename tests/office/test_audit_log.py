"""The audit log as sentences in the reader's language, its changes as words, its filters
and its export."""

import ast
import io
from pathlib import Path

import openpyxl
import pytest
from flask_babel import force_locale

from app.office import audit_log
from tests.conftest import sign_in

APP = Path(__file__).resolve().parents[2] / "app"


def recorded_actions():
    """Every action string passed to audit.record(...) anywhere under app/."""
    found = set()
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = getattr(func.value, "id", "") if isinstance(func, ast.Attribute) else ""
            if name == "record" and owner in ("audit", ""):
                for part in ast.walk(node.args[1]):
                    if isinstance(part, ast.Constant) and isinstance(part.value, str):
                        found.add(part.value)
    return found


def test_the_scan_finds_the_actions_it_should():
    found = recorded_actions()
    assert {"booking.check_in", "user.activate", "user.deactivate", "privacy.purge"} <= found


def test_every_recorded_action_has_a_sentence():
    known = set(audit_log.SENTENCES)
    # "visit." is the start of f"visit.{status}": every status needs its sentence
    from app.queue.models import VisitStatus

    prefixes = {a for a in recorded_actions() if a.endswith(".")}
    assert prefixes <= {"visit."}, prefixes
    known |= {"visit."} if all(f"visit.{s.value}" in known for s in VisitStatus) else set()
    missing = recorded_actions() - known
    assert not missing, f"add a sentence to app/office/audit_log.py SENTENCES: {missing}"


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_every_sentence_is_translated(app, language):
    with app.test_request_context(), force_locale(language):
        for action, sentence in audit_log.SENTENCES.items():
            text = str(sentence) % {"object": "ACDE47"}
            assert text != sentence._args[0] % {"object": "ACDE47"}, (language, action)
            assert "%(" not in text


def test_the_log_reads_as_sentences_with_changes_in_words(client, world):
    sign_in(client, world["users"]["admin"])
    page = client.get("/office/audit?lang=ru").get_data(as_text=True)
    code = world["arrived"].code
    assert f"— прибытие отмечено: {code}, " in page
    assert "<del>подтверждена</del> → " in page and "<ins>прибыл</ins>" in page
    assert "Кем отмечено:" in page
    assert '{"' not in page and "\\u04" not in page
    kk = client.get("/office/audit?lang=kk").get_data(as_text=True)
    assert f"келгені белгіленді: {code}" in kk


def test_filters_and_export_of_a_filtered_view(client, world):
    sign_in(client, world["users"]["admin"])
    page = client.get("/office/audit?action=booking.check_in").get_data(as_text=True)
    assert page.count('data-action="booking.check_in"') == 1  # the walk-in is its own action
    assert 'data-action="user.create"' not in page
    reception = world["users"]["reception"]
    mine = client.get(f"/office/audit?actor={reception.id}").get_data(as_text=True)
    assert 'data-action="booking.note"' in mine and 'data-action="quota.change"' not in mine
    export = client.get("/office/audit.xlsx?action=booking.check_in&lang=ru")
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(export.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:4] == ["Когда", "Кто", "Действие", "Изменения"]
    assert len(rows) == 2
    assert all("прибытие отмечено" in row[2] for row in rows[1:])
    assert any("Статус: подтверждена → прибыл" in (row[3] or "") for row in rows[1:])
