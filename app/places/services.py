"""The districts: read them, and seed them from the data file (``flask seed``)."""

import json
from pathlib import Path

from sqlalchemy import select

from app.extensions import db

from .models import District, DistrictKind

DISTRICTS_FILE = Path(__file__).with_name("districts.json")


def seed_districts(path=DISTRICTS_FILE):
    """Create or update the districts of the data file; returns (added, updated). A
    district the office edited on its page keeps what the office set."""
    rows = json.loads(Path(path).read_text(encoding="utf-8"))
    existing = {d.code: d for d in db.session.scalars(select(District))}
    added = updated = 0
    for row in rows:
        district = existing.get(row["code"])
        if district is not None and district.is_edited:
            continue
        if district is None:
            district = District(code=row["code"])
            db.session.add(district)
            added += 1
        values = {
            "prefix": row["prefix"],
            "name_ru": row["name_ru"],
            "name_kk": row["name_kk"],
            "kind": DistrictKind(row["kind"]),
            "is_active": bool(row["is_active"]),
        }
        if any(getattr(district, key, None) != value for key, value in values.items()):
            if district.id is not None:
                updated += 1
            for key, value in values.items():
                setattr(district, key, value)
    return added, updated


def active_districts():
    return db.session.scalars(
        select(District).where(District.is_active).order_by(District.kind, District.name_ru)
    ).all()


def district_by_code(code):
    return db.session.scalar(select(District).where(District.code == code))


def active_district(code):
    """The active district with this code, or None (one indexed look-up)."""
    return db.session.scalar(select(District).where(District.code == code, District.is_active))
