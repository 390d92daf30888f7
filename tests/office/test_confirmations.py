"""Actions that cannot be taken back ask first, on a page of their own (not a JavaScript
confirm): cancelling a district's delegate and deactivating a user."""

from datetime import UTC, date, datetime

import time_machine

from app.bookings.models import Booking, BookingStatus
from app.districts import services as districts
from app.extensions import db
from app.places import services as places
from tests.conftest import sign_in

NOW = datetime(2026, 12, 20, 6, 0, tzinfo=UTC)


def test_cancelling_a_delegate_asks_first(client, make_day, make_user):
    day = make_day(date(2026, 12, 25))
    coordinator = make_user("district", district="nura")
    delegate = districts.register_delegate(
        day, places.district_by_code("nura"),
        districts.DelegatePerson(full_name="Аян Нурланов", phone="+77015550001",
                                 role=districts.DelegateRole.npo),
        now=NOW, by=coordinator,
    )  # fmt: skip
    db.session.commit()
    sign_in(client, coordinator)
    url = f"/districts/nura/delegates/{delegate.id}/cancel"
    with time_machine.travel(NOW, tick=False):
        listing = client.get("/districts/nura/days/2026-12-25?lang=ru").get_data(as_text=True)
        assert f'href="{url}"' in listing and f'action="{url}"' not in listing
        ask = client.get(url + "?lang=ru").get_data(as_text=True)
        assert "Отменить регистрацию представителя?" in ask and "Аян Нурланов" in ask
        assert f'action="{url}"' in ask and 'href="/districts/nura/days/2026-12-25"' in ask
        assert db.session.get(Booking, delegate.id).status == BookingStatus.confirmed
        assert client.post(url).status_code == 302
    db.session.expire_all()
    assert db.session.get(Booking, delegate.id).status == BookingStatus.cancelled


def test_another_districts_delegate_has_no_confirmation_page(client, make_day, make_user):
    day = make_day(date(2026, 12, 25))
    delegate = districts.register_delegate(
        day, places.district_by_code("shet"),
        districts.DelegatePerson(full_name="Айдос Шетов", phone="+77015550002",
                                 role=districts.DelegateRole.npo),
        now=NOW,
    )  # fmt: skip
    db.session.commit()
    sign_in(client, make_user("district", district="nura"))
    assert client.get(f"/districts/nura/delegates/{delegate.id}/cancel").status_code == 404
    assert client.get(f"/districts/shet/delegates/{delegate.id}/cancel").status_code == 403


def test_deactivating_a_user_asks_first(client, make_user):
    admin, desk = make_user("admin"), make_user("reception")
    sign_in(client, admin)
    url = f"/office/users/{desk.id}/deactivate"
    users = client.get("/office/users?lang=ru").get_data(as_text=True)
    assert f'href="{url}"' in users and f'action="{url}"' not in users
    ask = client.get(url + "?lang=ru").get_data(as_text=True)
    assert "Отключить сотрудника?" in ask and desk.email in ask and f'action="{url}"' in ask
    db.session.refresh(desk)
    assert desk.is_active_account
    assert client.post(url).status_code == 302
    db.session.refresh(desk)
    assert not desk.is_active_account
    assert client.get("/office/users/999999/deactivate").status_code == 404
