"""Exports too large for a request run as background jobs: the export link redirects to a
progress page, the outbox worker writes the file, the page then offers it for a day; only the
person who asked (or an admin) sees it."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from app.core import jobs, outbox
from app.core.db import utcnow
from app.extensions import db
from tests.conftest import sign_in
from tests.spreadsheets import header_map, workbook


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(datetime(2026, 11, 27, 6, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def entries(app, make_proposal, monkeypatch):
    """Three nura entries and two from Temirtau; exports above two rows go to the worker."""
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 2)
    made = [make_proposal(title=f"Двор №{n}") for n in range(3)]
    made += [make_proposal(district="temirtau", title=f"Сквер №{n}") for n in range(2)]
    return made


def _job_id(response):
    assert response.status_code == 302, response.status_code
    location = response.headers["Location"]
    assert location.startswith("/office/exports/"), location
    return int(location.rsplit("/", 1)[1])


def test_a_large_export_is_written_by_the_worker_and_offered_for_a_day(
    client, make_user, entries, now
):
    admin = make_user("admin")
    sign_in(client, admin)
    # The filters travel with the job: only the "Двор" entries, though five exist.
    job_id = _job_id(client.get("/registry/export.xlsx?q=Двор"))
    page = client.get(f"/office/exports/{job_id}?lang=kk").get_data(as_text=True)
    assert 'http-equiv="refresh"' in page
    assert '<progress max="100" value="0"' in page
    assert "3 жолдың 0 жолы" in page
    assert client.get(f"/office/exports/{job_id}/download").status_code == 404

    outbox.run(echo=lambda line: None)  # the worker's pass: mail, then one job
    job = db.session.get(jobs.Job, job_id)
    assert (job.status, job.done, job.total) == (jobs.JobStatus.done, 3, 3)

    page = client.get(f"/office/exports/{job_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page
    assert f"/office/exports/{job_id}/download" in page
    response = client.get(f"/office/exports/{job_id}/download")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "registry.xlsx" in response.headers["Content-Disposition"]
    sheet = workbook(response.data).active
    column = header_map(sheet, 1)
    title = column["Наименование"]
    titles = sorted(sheet.cell(r, title).value for r in range(2, sheet.max_row + 1))
    assert titles == ["Двор №0", "Двор №1", "Двор №2"]

    # A day later the file is gone and the page says so.
    now.shift(jobs.KEPT + timedelta(minutes=1))
    assert jobs.expire(utcnow()) == 1
    db.session.commit()
    db.session.expire_all()
    job = db.session.get(jobs.Job, job_id)
    assert job.status == jobs.JobStatus.expired and job.content is None
    assert client.get(f"/office/exports/{job_id}/download").status_code == 404
    page = client.get(f"/office/exports/{job_id}?lang=ru").get_data(as_text=True)
    assert "Выгрузите заново" in page


def test_a_district_coordinator_exports_only_their_district_and_sees_only_their_jobs(
    app, make_user, entries
):
    coordinator = make_user("district")  # nura
    admin = make_user("admin")
    other = make_user("district", district="temirtau")
    coordinator_client, other_client, admin_client = (app.test_client() for _ in range(3))
    sign_in(coordinator_client, coordinator)
    job_id = _job_id(coordinator_client.get("/registry/export.csv?sep=comma"))
    assert jobs.run_due() == job_id
    response = coordinator_client.get(f"/office/exports/{job_id}/download")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 1 + 3  # the header and nura's three, not Temirtau's
    assert all("Двор" in " ".join(row) for row in rows[1:])

    sign_in(other_client, other)
    assert other_client.get(f"/office/exports/{job_id}").status_code == 404
    assert other_client.get(f"/office/exports/{job_id}/download").status_code == 404
    sign_in(admin_client, admin)
    assert admin_client.get(f"/office/exports/{job_id}/download").status_code == 200


def test_a_small_export_still_streams_at_once(client, app, make_user, entries, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 10)
    sign_in(client, make_user("admin"))
    response = client.get("/registry/export.csv")
    assert response.status_code == 200
    assert db.session.query(jobs.Job).count() == 0


def test_a_failed_job_is_shown_and_not_retried(client, make_user, entries, monkeypatch):
    sign_in(client, make_user("admin"))
    job_id = _job_id(client.get("/registry/export.xlsx"))

    def broken(job, progress):
        raise RuntimeError("disk full")

    monkeypatch.setitem(jobs.RUNNERS, "registry_xlsx", broken)
    assert jobs.run_due() == job_id
    assert jobs.run_due() is None  # not taken again
    job = db.session.get(jobs.Job, job_id)
    assert job.status == jobs.JobStatus.failed and "disk full" in job.error
    page = client.get(f"/office/exports/{job_id}?lang=ru").get_data(as_text=True)
    assert 'class="alert alert-error"' in page
    assert "disk full" not in page  # the cause is for the log, not the page


def test_a_job_whose_worker_died_is_taken_over_after_its_lease(make_user, entries, now):
    admin = make_user("admin")
    job = jobs.submit("registry_csv", {"filters": {}, "scope": None}, total=5, by=admin,
                      now=utcnow())  # fmt: skip
    db.session.commit()
    # A worker claims it and dies without a word.
    assert jobs._claim(utcnow()) == job.id
    assert jobs.run_due() is None  # still leased
    now.shift(jobs.LEASE + timedelta(seconds=1))
    assert jobs.run_due() == job.id
    db.session.expire_all()
    assert db.session.get(jobs.Job, job.id).status == jobs.JobStatus.done


def test_progress_is_written_while_the_file_is_written(make_user, entries, monkeypatch):
    seen = []
    report = jobs._report

    def spy(job_id, done):
        report(job_id, done)  # in a transaction of its own: another reader sees it at once
        with db.engine.connect() as conn:
            seen.append(conn.scalar(db.select(jobs.Job.done).where(jobs.Job.id == job_id)))

    monkeypatch.setattr(jobs, "_report", spy)
    monkeypatch.setattr(jobs, "PROGRESS_STEP", 2)
    job = jobs.submit("registry_csv", {"filters": {}, "scope": None}, total=5,
                      by=make_user("admin"), now=utcnow())  # fmt: skip
    db.session.commit()
    jobs.run_due()
    assert seen == [2, 4]
    db.session.expire_all()
    assert db.session.get(jobs.Job, job.id).done == 5
