"""Users from the page: no role chosen for the admin, role and district changed, a new
password and an API token shown once, no command-line instructions on any page."""

import re

from sqlalchemy import select

from app.auth import services as auth
from app.auth.models import Role
from app.core.audit import AuditEntry
from app.extensions import db
from tests.conftest import sign_in


def test_the_new_user_form_preselects_no_role(client, world):
    sign_in(client, world["users"]["admin"])
    page = client.get("/office/users").get_data(as_text=True)
    role_select = page.split('name="role"')[1].split("</select>")[0]
    selected = re.findall(
        r'<option[^>]*selected[^>]*value="([^"]*)"|<option[^>]*value="([^"]*)"[^>]*selected',
        role_select,
    )
    assert [a or b for a, b in selected] == [""]


def test_role_district_password_and_token_from_the_page(client, world, app):
    sign_in(client, world["users"]["admin"])
    desk = world["users"]["reception"]
    refused = client.post(f"/office/users/{desk.id}", data={"role": "district", "district": ""})
    assert refused.status_code == 422
    moved = client.post(f"/office/users/{desk.id}", data={"role": "district", "district": "shet"})
    assert moved.status_code == 302
    db.session.refresh(desk)
    assert desk.role == Role.district and desk.district.code == "shet"
    reset = client.post(f"/office/users/{desk.id}/password").get_data(as_text=True)
    password = re.search(r'id="new-password">([^<]+)<', reset).group(1)
    assert auth.authenticate(desk.email, password, ip="127.0.0.1", now=desk.created_at).user == desk
    db.session.commit()  # the sign-in is recorded; release the write lock for the next request
    issued = client.post(f"/office/users/{desk.id}/token", data={"name": "сканер 1"})
    token = re.search(r'id="new-token">([^<]+)<', issued.get_data(as_text=True)).group(1)
    assert client.get(
        "/api/days/2026-12-25/quotas", headers={"Authorization": f"Bearer {token}"}
    ).status_code in (200, 404)
    again = client.get(f"/office/users/{desk.id}").get_data(as_text=True)
    assert token not in again and password not in again  # shown once
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"user.change", "user.password_reset", "user.token"} <= actions


def test_no_page_tells_people_to_run_a_command(client, world):
    sign_in(client, world["users"]["admin"])
    for url in (
        "/office/users",
        "/office/days",
        "/office/",
        f"/office/users/{world['users']['reception'].id}",
    ):
        page = client.get(url).get_data(as_text=True)
        assert "flask " not in page, url


def test_the_days_are_laid_out_from_the_page(client, world):
    sign_in(client, world["users"]["admin"])
    response = client.post("/office/days/generate")
    assert response.status_code == 302
    assert "/office/days" in response.location
