"""Districts and cities of regional significance: the reference data every domain names
(the region's districts since June 2022; the Ulytau ones kept inactive for their history)."""

import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class DistrictKind(enum.StrEnum):
    city = "city"
    district = "district"

    @property
    def title(self):
        return {"city": _l("city"), "district": _l("district")}[self.value]


class District(db.Model):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable code used by URLs, the API and exports, e.g. ``bukhar-zhyrau``
    code: Mapped[str] = mapped_column(String(40), unique=True)
    #: three letters that start its registry numbers, e.g. ``TEM`` in TEM-2026-0012
    prefix: Mapped[str | None] = mapped_column(String(3), unique=True)
    #: official name in Russian, e.g. «г. Караганда»
    name_ru: Mapped[str] = mapped_column(String(120))
    #: official name in Kazakh, e.g. «Қарағанды қаласы»
    name_kk: Mapped[str] = mapped_column(String(120))
    #: a city of regional significance or a district
    kind: Mapped[DistrictKind] = mapped_column(
        Enum(DistrictKind, native_enum=False, length=20, validate_strings=True)
    )
    #: inactive districts (now in Ulytau region) keep their history but take nothing new
    is_active: Mapped[bool] = mapped_column(default=True)
    #: changed by the office on its page: ``flask seed`` then leaves it as the office set it
    is_edited: Mapped[bool] = mapped_column(default=False, server_default=sa_false())

    def __repr__(self):
        return f"<District {self.code}>"
