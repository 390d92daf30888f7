"""flask seed: the districts of DESIGN.md §3a, idempotent."""

from sqlalchemy import func, select

from app.extensions import db
from app.places.models import District
from app.places.services import district_by_code


def test_seed_twice_adds_nothing_and_restores_names(app, app_ctx):
    runner = app.test_cli_runner()
    district_by_code("shet").name_kk = "renamed by hand"
    db.session.commit()
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "0 added, 1 updated" in result.output
    assert district_by_code("shet").name_kk == "Шет ауданы"
    assert db.session.scalar(select(func.count(District.id))) == 18
    again = runner.invoke(args=["seed"])
    assert "0 added, 0 updated" in again.output


def test_active_and_inactive_districts(app_ctx):
    active = db.session.scalars(select(District.code).where(District.is_active)).all()
    assert len(active) == 13
    assert "bukhar-zhyrau" in active
    assert not district_by_code("zhezkazgan").is_active
    assert district_by_code("karaganda").name_kk == "Қарағанды қаласы"
