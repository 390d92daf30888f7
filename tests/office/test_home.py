"""The staff home and where each role lands after signing in."""

import pytest
from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.outbox import OutboxMessage, OutboxStatus
from tests.conftest import sign_in


@pytest.mark.parametrize(
    "role, home",
    [("admin", "/office/"), ("reception", "/reception/"), ("district", "/districts/")],
)
def test_each_role_lands_on_its_home(client, make_user, role, home):
    response = sign_in(client, make_user(role))
    assert response.location == home
    assert client.get(home, follow_redirects=True).status_code == 200


def test_next_still_wins_over_the_home(client, make_user):
    admin = make_user("admin")
    response = client.post(
        "/login?next=/office/users",
        data={"email": admin.email, "password": "correct horse battery"},
    )
    assert response.location == "/office/users"


def test_the_home_shows_the_next_day_the_desk_and_what_waits(client, world):
    sign_in(client, world["users"]["admin"])
    page = client.get("/office/").get_data(as_text=True)
    day = world["day"]
    booked = sum(slot.booked for slot in day.slots)
    free = sum(slot.capacity for slot in day.slots) - booked
    assert f'data-figure="seats_booked">{booked}<' in page
    assert f'data-figure="seats_free">{free}<' in page
    # nura's minimum is 2 from tomorrow (the Day is in three days) and it registered 1;
    # every other active district registered none
    below = page.split('id="below-quota"')[1].split("</ul>")[0]
    assert "Нуринский район: 1 / 2" in below and "Абайский район: 0 / 1" in below
    assert below.count("<li>") == 13
    # the entry under review waits; so does the one attached to the booking
    assert 'data-figure="waiting">2<' in page
    assert world["proposal"].number in page
    # the e-mail given up after retries and the SMS the provider refused
    assert 'data-figure="failed_mail">2<' in page
    assert "550 mailbox unavailable" in page and "SMSC error 7" in page


def test_the_menu_names_each_page_in_both_languages(client, world):
    sign_in(client, world["users"]["admin"])
    ru = client.get("/office/?lang=ru").get_data(as_text=True)
    kk = client.get("/office/?lang=kk").get_data(as_text=True)
    assert "<summary>Меню</summary>" in ru and "<summary>Мәзір</summary>" in kk
    for words in ("Журнал аудита", "Статистика", "Пользователи"):
        assert words in ru
    for words in ("Аудит журналы", "Статистика", "Пайдаланушылар"):
        assert words in kk


def test_reception_sees_only_its_pages_in_the_menu(client, world):
    sign_in(client, world["users"]["reception"])
    page = client.get(f"/reception/{world['day'].date}").get_data(as_text=True)
    menu = page.split('class="staff-menu"')[1].split("</details>")[0]
    assert "/reception/" in menu and "/office/quotas" in menu
    assert "/office/users" not in menu and "/office/audit" not in menu


def test_a_failed_mail_is_sent_again_from_the_home(client, world):
    sign_in(client, world["users"]["admin"])
    message = (
        client.application.extensions["sqlalchemy"]
        .session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.status == OutboxStatus.failed, OutboxMessage.channel == "email"
            )
        )
        .one()
    )
    response = client.post(f"/office/mail/{message.id}/retry")
    assert response.status_code == 302
    from app.extensions import db

    db.session.refresh(message)
    assert message.status == OutboxStatus.pending and message.attempts == 0
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "mail.retry")).one()
    assert entry.object_id == message.id
    # a second click changes nothing and writes nothing
    client.post(f"/office/mail/{message.id}/retry")
    assert (
        db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "mail.retry").offset(1))
        is None
    )
