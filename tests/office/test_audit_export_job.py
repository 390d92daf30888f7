"""An audit log export too long for a request is written by the outbox worker: the same
workbook as the direct download for the same filters, in the language of the admin who
asked; only admins see it, never a district coordinator."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import request

from app.auth import services as auth
from app.auth.models import Role, User
from app.core import jobs, outbox
from app.core.db import utcnow
from app.extensions import db
from app.office import audit_log
from app.places.services import district_by_code
from tests.conftest import sign_in
from tests.spreadsheets import workbook


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(datetime(2026, 11, 25, 6, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def log(app, make_user, now, monkeypatch):
    """The admin deactivates one user on 25 November and three on the 27th, another admin
    one more on the 27th: the filters below select the admin's three of the 27th. Exports
    above two rows go to the worker."""
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 2)
    admin, other_admin = make_user("admin"), make_user("admin")
    people = [make_user("reception") for _ in range(5)]
    auth.set_active(people[0], False, by=admin)
    db.session.commit()
    now.shift(timedelta(days=2))
    for person in people[1:4]:
        auth.set_active(person, False, by=admin)
    auth.set_active(people[4], False, by=other_admin)
    db.session.commit()
    query = f"action=user.deactivate&actor={admin.id}&from=2026-11-26&to=2026-11-27"
    return {"admin": admin, "other_admin": other_admin, "query": query}


def _job_id(response):
    assert response.status_code == 302, response.status_code
    location = response.headers["Location"]
    assert location.startswith("/office/exports/"), location
    return int(location.rsplit("/", 1)[1])


def _rows(data):
    sheet = workbook(data).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def _direct(client, app, monkeypatch, query):
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 10)
    response = client.get(f"/office/audit.xlsx?{query}")
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 2)
    assert response.status_code == 200
    assert 'filename="audit-log.xlsx"' in response.headers["Content-Disposition"]
    return _rows(response.data)


def test_a_long_log_is_written_by_the_worker_as_the_direct_download_in_the_askers_language(
    client, app, log, monkeypatch, now
):
    sign_in(client, log["admin"])
    in_kazakh = _direct(client, app, monkeypatch, log["query"] + "&lang=kk")
    in_russian = _direct(client, app, monkeypatch, log["query"] + "&lang=ru")
    assert len(in_kazakh) == 1 + 3
    assert in_kazakh[0][0] == "Қашан"
    assert all(row[2].startswith("пайдаланушы өшірілді: ") for row in in_kazakh[1:])
    assert in_kazakh != in_russian  # so the language below is the asker's, not the default

    # Asked in Kazakh (the cookie from the last request says Russian).
    job_id = _job_id(client.get(f"/office/audit.xlsx?{log['query']}&lang=kk"))
    job = db.session.get(jobs.Job, job_id)
    # The request only checked that there are more than EXPORT_JOB_ROWS; the worker counts.
    assert (job.kind, job.total, job.requested_by_id) == ("audit_xlsx", 0, log["admin"].id)
    page = client.get(f"/office/exports/{job_id}").get_data(as_text=True)
    assert "жолдар саналуда" in page and "<progress aria-label" in page
    assert 'href="/office/audit"' in page  # back to the log, not the registry
    assert client.get(f"/office/exports/{job_id}/download").status_code == 404

    outbox.run(echo=lambda line: None)  # the worker's pass: mail, then one job
    db.session.expire_all()
    job = db.session.get(jobs.Job, job_id)
    assert (job.status, job.done, job.total) == (jobs.JobStatus.done, 3, 3), job.error

    response = client.get(f"/office/exports/{job_id}/download")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert 'filename="audit-log.xlsx"' in response.headers["Content-Disposition"]
    assert _rows(response.data) == in_kazakh

    now.shift(jobs.KEPT + timedelta(minutes=1))
    assert jobs.expire(utcnow()) == 1
    db.session.commit()
    page = client.get(f"/office/exports/{job_id}?lang=ru").get_data(as_text=True)
    assert "Выгрузите заново из журнала аудита" in page


def test_progress_reaches_the_total_while_the_log_is_written(client, log, monkeypatch):
    sign_in(client, log["admin"])
    job_id = _job_id(client.get(f"/office/audit.xlsx?{log['query']}"))
    seen = []
    report = jobs._report

    def spy(reported_id, done):
        report(reported_id, done)  # in a transaction of its own: another reader sees it
        with db.engine.connect() as conn:
            seen.append(conn.scalar(db.select(jobs.Job.done).where(jobs.Job.id == reported_id)))

    monkeypatch.setattr(jobs, "_report", spy)
    monkeypatch.setattr(jobs, "PROGRESS_STEP", 1)
    assert jobs.run_due() == job_id
    assert seen == [1, 2, 3]
    db.session.expire_all()
    job = db.session.get(jobs.Job, job_id)
    assert (job.status, job.done, job.total) == (jobs.JobStatus.done, 3, 3)


def test_only_admins_see_an_audit_export_never_a_district_coordinator(client, app, make_user, log):
    coordinator = make_user("district")
    admin_client = client
    other_admin_client, coordinator_client = (app.test_client() for _ in range(2))
    sign_in(admin_client, log["admin"])
    job_id = _job_id(admin_client.get(f"/office/audit.xlsx?{log['query']}"))
    # Even a job in a coordinator's name (it cannot ask for one) stays hidden from them.
    theirs = jobs.submit("audit_xlsx", {"filters": {}, "language": "ru"}, total=9,
                         by=coordinator, now=utcnow()).id  # fmt: skip
    db.session.commit()
    assert jobs.run_due() == job_id and jobs.run_due() == theirs

    sign_in(coordinator_client, coordinator)
    assert coordinator_client.get(f"/office/audit.xlsx?{log['query']}").status_code == 403
    for shown in (job_id, theirs):
        assert coordinator_client.get(f"/office/exports/{shown}").status_code == 404
        assert coordinator_client.get(f"/office/exports/{shown}/download").status_code == 404

    sign_in(other_admin_client, log["other_admin"])
    assert other_admin_client.get(f"/office/exports/{job_id}/download").status_code == 200
    assert admin_client.get(f"/office/exports/{job_id}/download").status_code == 200

    # The admin who asked, made a district coordinator, no longer sees it either.
    admin = db.session.get(User, log["admin"].id)
    admin.role, admin.district = Role.district, district_by_code("nura")
    db.session.commit()
    demoted_client = app.test_client()
    sign_in(demoted_client, admin)
    assert demoted_client.get(f"/office/exports/{job_id}").status_code == 404
    assert demoted_client.get(f"/office/exports/{job_id}/download").status_code == 404


def test_a_short_log_still_downloads_at_once_and_bad_filters_are_refused(
    client, app, log, monkeypatch
):
    sign_in(client, log["admin"])
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 3)  # the three selected: not above
    response = client.get(f"/office/audit.xlsx?{log['query']}&lang=ru")
    assert response.status_code == 200
    rows = _rows(response.data)
    assert rows[0][:4] == ["Когда", "Кто", "Действие", "Изменения"]
    assert len(rows) == 1 + 3
    assert all("Активен: да → нет" in row[3] for row in rows[1:])
    assert client.get("/office/audit.xlsx?from=2026-13-01").status_code == 404
    assert client.get("/office/audit.xlsx?actor=first").status_code == 404
    assert db.session.query(jobs.Job).count() == 0


def test_the_job_carries_the_filters_that_select_what_the_request_selected(app, log):
    """The job's copy of the query string selects what the request selected."""
    args = {"action": "user.deactivate", "actor": str(log["admin"].id), "from": "2026-11-26",
            "to": "2026-11-27", "before": "5", "lang": "kk"}  # fmt: skip
    carried = audit_log.filter_args(args)
    assert set(carried) == {"action", "actor", "from", "to"}
    with app.test_request_context("/office/audit.xlsx", query_string=args):
        asked = db.session.scalars(audit_log.selected(request.args)).all()
    assert [e.id for e in db.session.scalars(audit_log.selected(carried))] == [e.id for e in asked]
    assert len(asked) == 3
