"""Districts edited from the office's page: names, prefix, retiring, quota; every change in
the audit log, and ``flask seed`` keeps what the office set."""

from sqlalchemy import select, update

from app.bookings.models import BookingStatus
from app.core.audit import AuditEntry
from app.districts import services as quotas
from app.extensions import db
from app.places.models import District
from app.places.services import district_by_code
from tests.conftest import sign_in


def form(district, **changes):
    values = {
        "name_ru": district.name_ru,
        "name_kk": district.name_kk,
        "prefix": district.prefix,
        "is_active": "y" if district.is_active else "",
    }
    values.update(changes)
    return {k: v for k, v in values.items() if v != ""}


def test_names_and_prefix_change_and_seed_keeps_them(client, world, app):
    sign_in(client, world["users"]["admin"])
    shet = district_by_code("shet")
    response = client.post(
        "/office/districts/shet", data=form(shet, name_kk="Шет ауданы (жаңа)", prefix="sht")
    )
    assert response.status_code == 302
    db.session.refresh(shet)
    assert shet.name_kk == "Шет ауданы (жаңа)" and shet.prefix == "SHT" and shet.is_edited
    result = app.test_cli_runner().invoke(args=["seed"])
    assert "0 added, 0 updated" in result.output
    db.session.refresh(shet)
    assert shet.prefix == "SHT"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "district.edit")).one()
    assert entry.before == {"name_kk": "Шет ауданы", "prefix": "SHE"}
    page = client.get("/office/districts/shet").get_data(as_text=True)
    assert "район изменён: shet" in page and "<del>SHE</del> → <ins>SHT</ins>" in page


def test_a_bad_or_taken_prefix_is_refused(client, world):
    sign_in(client, world["users"]["admin"])
    shet = district_by_code("shet")
    for prefix, words in (("T1", "Три латинские"), ("TEM", "уже принадлежит"), ("REG", "Три")):
        response = client.post("/office/districts/shet", data=form(shet, prefix=prefix))
        assert response.status_code == 422
        assert words in response.get_data(as_text=True)
    db.session.refresh(shet)
    assert shet.prefix == "SHE" and not shet.is_edited


def test_retiring_with_delegates_ahead_asks_first(client, world):
    sign_in(client, world["users"]["admin"])
    nura = district_by_code("nura")
    delegate = world["delegate"]
    asked = client.post("/office/districts/nura", data=form(nura, is_active=""))
    assert asked.status_code == 422
    page = asked.get_data(as_text=True)
    assert 'id="delegates-question"' in page and "Аян Нурланов" in page
    db.session.refresh(nura)
    assert nura.is_active
    kept = client.post(
        "/office/districts/nura", data={**form(nura, is_active=""), "delegates": "keep"}
    )
    assert kept.status_code == 302
    db.session.refresh(nura)
    db.session.refresh(delegate)
    assert not nura.is_active and delegate.status == BookingStatus.confirmed


def test_retiring_can_cancel_the_delegates_ahead(client, world):
    sign_in(client, world["users"]["admin"])
    nura = district_by_code("nura")
    response = client.post(
        "/office/districts/nura", data={**form(nura, is_active=""), "delegates": "cancel"}
    )
    assert response.status_code == 302
    db.session.refresh(world["delegate"])
    assert world["delegate"].status == BookingStatus.cancelled
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "district.edit")).one()
    assert entry.after["is_active"] is False and entry.after["delegates"] == 1


def test_the_last_active_district_cannot_be_retired(client, world):
    sign_in(client, world["users"]["admin"])
    db.session.execute(update(District).where(District.code != "shet").values(is_active=False))
    db.session.commit()
    shet = district_by_code("shet")
    response = client.post("/office/districts/shet", data=form(shet, is_active=""))
    assert response.status_code == 422
    assert "последний активный район" in response.get_data(as_text=True)
    db.session.refresh(shet)
    assert shet.is_active


def test_the_quota_override_from_the_district_page(client, world):
    sign_in(client, world["users"]["admin"])
    response = client.post(
        "/office/districts/shet/quota", data={"delegate_min": "2", "delegate_target": "4"}
    )
    assert response.status_code == 302
    shet = district_by_code("shet")
    settings = quotas.settings_on(world["day"].date, [shet.id])
    assert settings[shet.id] == (2, 4)
    listing = client.get("/office/districts").get_data(as_text=True)
    assert "2 / 4" in listing.split('data-district="shet"')[1].split("</tr>")[0]


def test_a_quota_is_saved_from_either_page_and_a_bad_one_is_refused(client, world):
    """The district's own page and the quota settings page save a quota the same way: from
    tomorrow on; target below minimum, or not a number, changes nothing."""
    from datetime import timedelta

    from app.core.db import utcnow
    from app.days.services import today_local

    sign_in(client, world["users"]["admin"])
    nura, shet = district_by_code("nura"), district_by_code("shet")
    tomorrow = today_local(utcnow()) + timedelta(days=1)
    saved = client.post("/office/districts/nura/quota",
                        data={"delegate_min": "2", "delegate_target": "3"})  # fmt: skip
    assert saved.status_code == 302 and saved.location.endswith("/office/districts/nura")
    saved = client.post("/office/quotas/settings", data={
        "district_id": str(shet.id), "delegate_min": "1", "delegate_target": "4"})  # fmt: skip
    assert saved.status_code == 302 and saved.location.endswith("/office/quotas/settings")
    assert quotas.settings_on(tomorrow, [nura.id, shet.id]) == {nura.id: (2, 3), shet.id: (1, 4)}
    refused = [
        ("/office/districts/nura/quota", {"delegate_min": "3", "delegate_target": "1"}),
        ("/office/districts/nura/quota", {"delegate_min": "x", "delegate_target": "1"}),
        ("/office/quotas/settings",
         {"district_id": str(nura.id), "delegate_min": "5", "delegate_target": "2"}),
    ]  # fmt: skip
    for url, data in refused:
        assert client.post(url, data=data).status_code == 302
    assert quotas.settings_on(tomorrow, [nura.id])[nura.id] == (2, 3)
    page = client.get("/office/quotas/settings").get_data(as_text=True)
    assert 'class="alert' in page or "flash" in page
    assert client.post("/office/quotas/settings", data={"district_id": "999999",
               "delegate_min": "1", "delegate_target": "2"}).status_code == 404  # fmt: skip
