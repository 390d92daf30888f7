"""Answer deadlines: working days of Kazakhstan, the setting, overdue entries on the pages
and in the API, reminders exactly once, and the report's on time / late / overdue."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.core.errors import DomainError
from app.core.outbox import OutboxMessage
from app.extensions import db
from app.registry import deadlines
from app.registry import services as registry
from app.registry.models import Status
from tests.conftest import sign_in


def at(day, hour=10):
    """10:00 in Almaty (UTC+5) on that date."""
    return datetime(day.year, day.month, day.day, hour - 5, tzinfo=UTC)


def test_fifteen_working_days_skip_weekends_and_holidays():
    # 2027: 15 March (Constitution Day), Nauryz 21–23 March and the 24th (21st was a Sunday)
    assert deadlines.add_working_days(date(2027, 3, 10), 15) == date(2027, 4, 6)
    weekdays_only, on, left = date(2027, 3, 10), date(2027, 3, 10), 15
    while left:
        on += timedelta(days=1)
        left -= on.weekday() < 5
    assert on == date(2027, 3, 31) != deadlines.add_working_days(weekdays_only, 15)
    assert deadlines.working_days_between(date(2027, 3, 10), date(2027, 4, 6)) == 15


def test_a_new_entry_gets_its_due_date_from_the_setting(app_ctx, make_proposal, make_user):
    entry = make_proposal(now=at(date(2027, 3, 10)))
    assert entry.due_on == date(2027, 4, 6)
    admin = make_user("admin")
    deadlines.set_answer_days(5, by=admin)
    db.session.commit()
    later = make_proposal(now=at(date(2027, 3, 10)))
    assert later.due_on == date(2027, 3, 18)  # 11, 12, 16, 17, 18 (the 15th a holiday)
    db.session.refresh(entry)
    assert entry.due_on == date(2027, 4, 6)  # earlier entries keep theirs


@pytest.mark.parametrize("days", [0, -1, 121])
def test_a_deadline_of_zero_days_is_refused(app_ctx, make_user, days):
    with pytest.raises(DomainError):
        deadlines.set_answer_days(days, by=make_user("admin"))


def test_overdue_entries_show_red_on_the_list_the_entry_and_the_api(
    client, world, make_proposal, api_token
):
    late = make_proposal(now=at(date(2026, 1, 5)), title="Старое предложение")
    answered = make_proposal(now=at(date(2026, 1, 5)), title="Отвеченное")
    registry.change_status(answered, Status.under_review, now=at(date(2026, 1, 6)))
    registry.change_status(answered, Status.accepted, now=at(date(2026, 1, 7)))
    db.session.commit()
    assert answered.answered_on == date(2026, 1, 7)
    sign_in(client, world["users"]["admin"])
    page = client.get("/registry/?status=overdue&sort=due").get_data(as_text=True)
    assert f'data-number="{late.number}" class="overdue"' in page
    assert answered.number not in page and world["proposal"].number not in page
    detail = client.get(f"/registry/{late.number}").get_data(as_text=True)
    assert 'id="answer-due" class="overdue"' in detail
    home = client.get("/office/").get_data(as_text=True)
    assert 'data-figure="overdue">1<' in home and late.number in home
    headers = api_token(world["users"]["admin"])
    listed = client.get("/api/registry?per_page=100", headers=headers).get_json()["proposals"]
    by_number = {p["number"]: p for p in listed}
    assert by_number[late.number]["overdue"] is True
    assert by_number[late.number]["due_on"] == late.due_on.isoformat()
    assert by_number[answered.number]["overdue"] is False
    # the district's own page lists it for its coordinator
    sign_in(client, world["users"]["district"])
    mine = client.get("/districts/nura/").get_data(as_text=True)
    assert late.number in mine


def test_reminders_go_once_before_and_once_on_the_due_day(app_ctx, make_proposal, make_user):
    coordinator = make_user("district", district="nura")
    make_user("admin")
    entry = make_proposal(now=at(date(2027, 3, 10)))  # due 6 April 2027
    other = make_proposal(now=at(date(2027, 3, 10)), responsible="akim.nura@example.kz")

    def run(day):
        queued = deadlines.queue_reminders(at(day))
        db.session.commit()
        return queued

    assert run(date(2027, 3, 30)) == 0  # 5 working days before
    assert run(date(2027, 4, 1)) == 2  # 3 working days before: one each
    assert run(date(2027, 4, 1)) == 0
    assert run(date(2027, 4, 2)) == 0
    assert run(date(2027, 4, 6)) == 2  # the due day
    assert run(date(2027, 4, 6)) == 0
    assert run(date(2027, 4, 7)) == 0
    sent = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "proposal_deadline")
    ).all()
    recipients = sorted((m.recipient, m.payload["moment"]) for m in sent)
    assert recipients == [
        ("akim.nura@example.kz", "due"), ("akim.nura@example.kz", "soon"),
        (coordinator.email, "due"), (coordinator.email, "soon"),
    ]  # fmt: skip
    assert {m.payload["number"] for m in sent} == {entry.number, other.number}
    # an answered entry is not reminded
    registry.change_status(entry, Status.under_review, now=at(date(2027, 4, 7)))
    registry.change_status(entry, Status.rejected, reason="нет", now=at(date(2027, 4, 7)))
    db.session.commit()
    assert entry.answered_on == date(2027, 4, 7)


def test_the_command_and_its_mail(app, app_ctx, make_proposal, make_user):
    make_user("district", district="nura")
    make_proposal(now=at(date(2026, 1, 5)))
    result = app.test_cli_runner().invoke(args=["proposals", "remind"])
    assert result.exit_code == 0 and "1 queued" in result.output
    again = app.test_cli_runner().invoke(args=["proposals", "remind"])
    assert "0 queued" in again.output
    from app.core.outbox import RENDERERS

    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "proposal_deadline")
    ).one()
    with app.test_request_context():
        mail = RENDERERS[message.kind](message)
    assert str(mail["Subject"]).startswith("Срок ответа")


def test_the_report_counts_answers_on_time_late_and_overdue(client, world, make_proposal):
    on_time = make_proposal(now=at(date(2026, 1, 5)))
    late = make_proposal(now=at(date(2026, 1, 5)))
    make_proposal(now=at(date(2026, 1, 5)))  # never answered: overdue
    registry.change_status(on_time, Status.under_review, now=at(date(2026, 1, 6)))
    registry.change_status(on_time, Status.accepted, now=at(date(2026, 1, 7)))
    registry.change_status(late, Status.under_review, now=at(date(2026, 3, 2)))
    registry.change_status(late, Status.accepted, now=at(date(2026, 3, 2)))
    db.session.commit()
    rows, _since, _on = registry.district_report(date(2026, 11, 27), now=at(date(2026, 11, 28)))
    nura = next(r for r in rows if r.district.code == "nura")
    assert (nura.on_time, nura.late, nura.overdue) == (1, 1, 1)
    sign_in(client, world["users"]["admin"])
    page = client.get("/office/report?date=2026-11-27").get_data(as_text=True)
    assert "<tfoot>" in page and "Ответ в срок" in page
