"""The floor: a bare Flask + Flask-SQLAlchemy app whose routes take the same JSON body as
POST /api/bookings (or the same form as the Day page, answering with a redirect) and do one
INSERT. bench/booking.py runs the same burst against it and against the real app in the same
run, and prints the ratio."""

import os
from datetime import UTC, datetime

from flask import Flask, jsonify, redirect, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, String, create_engine
from sqlalchemy.orm import Mapped, mapped_column

db = SQLAlchemy()


class FloorBooking(db.Model):
    __tablename__ = "floor_bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int]
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def database_url():
    url = os.environ["DATABASE_URL"]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = (
    database_url() if "DATABASE_URL" in os.environ else "sqlite://"
)
db.init_app(app)


@app.get("/api/days")
def ready():
    return jsonify(days=[])


@app.post("/api/bookings")
def book():
    body = request.get_json()
    row = FloorBooking(
        slot_id=int(body["slot_id"]),
        full_name=str(body["full_name"]),
        phone=str(body["phone"]),
        created_at=datetime.now(UTC),
    )
    db.session.add(row)
    db.session.commit()
    return jsonify(id=row.id), 201


@app.get("/days/<on>")
def day_page(on):
    return "<form method=post><input name=csrf_token value=x></form>"


@app.post("/days/<on>")
def book_by_form(on):
    row = FloorBooking(
        slot_id=int(request.form["slot_id"]),
        full_name=request.form["full_name"],
        phone=request.form["phone"],
        created_at=datetime.now(UTC),
    )
    db.session.add(row)
    db.session.commit()
    return redirect(f"/bookings/{row.id}")


def create_table_at(url):
    """The floor's one table, in the benchmark's database."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    engine = create_engine(url)
    FloorBooking.__table__.create(engine, checkfirst=True)
    engine.dispose()
