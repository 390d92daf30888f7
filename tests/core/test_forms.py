"""The page form base: hidden inputs without ids; a select the person must choose."""

from werkzeug.datastructures import MultiDict

from app.core.forms import ChoiceField, Form
from tests.html import selected


class KindForm(Form):
    kind = ChoiceField("Kind", choices=[("project", "project"), ("event", "event")],
                       default="project")  # fmt: skip


def test_a_page_starts_on_the_placeholder_whatever_the_default(app):
    with app.test_request_context("/?lang=ru"):
        form = KindForm(meta={"csrf": True})
        html = str(form.kind())
        assert selected(html, "kind") == "" and "— выберите —" in html and "required" in html
        assert 'id="csrf_token"' not in str(form.csrf_token)
        assert 'name="csrf_token"' in str(form.csrf_token)


def test_an_empty_choice_is_refused_with_a_message(app):
    with app.test_request_context("/?lang=kk", method="POST", data={"kind": ""}):
        form = KindForm(meta={"csrf": False})
        assert not form.validate()
        assert form.kind.errors == ["Нұсқалардың бірін таңдаңыз."]
    with app.test_request_context("/", method="POST", data={"kind": "nonsense"}):
        form = KindForm(meta={"csrf": False})
        assert not form.validate() and form.kind.errors == ["Неверный вариант."]


def test_a_request_that_leaves_the_field_out_gets_the_default(app):
    """What the JSON API relies on: its body is passed as formdata without the key."""
    with app.test_request_context("/"):
        form = KindForm(formdata=MultiDict({"other": "x"}), meta={"csrf": False})
        assert form.validate() and form.kind.data == "project"
        chosen = KindForm(formdata=MultiDict({"kind": "event"}), meta={"csrf": False})
        assert chosen.validate() and chosen.kind.data == "event"
