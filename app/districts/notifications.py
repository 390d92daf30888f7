"""Mail to district coordinators: the delegate quota reminder."""

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mail import Message

from app.core.outbox import renderer
from app.days.models import Day
from app.extensions import db

from .models import District
from .services import day_quotas


@renderer("quota_reminder")
def quota_reminder(row):
    day = db.session.get(Day, row.payload["day_id"])
    district = db.session.get(District, row.payload["district_id"])
    base_url = current_app.config["PUBLIC_BASE_URL"]
    with current_app.test_request_context(base_url=base_url), force_locale(row.language):
        from app.core.db import utcnow

        [quota] = day_quotas(day, now=utcnow(), districts=[district])
        link = url_for("districts.day", code=district.code, on=day.date, _external=True)
        context = {"day": day, "district": district, "quota": quota, "link": link,
                   "days_left": row.payload["days_left"]}  # fmt: skip
        msg = Message(
            subject=_(
                "Delegates for the Civil Initiatives Day of %(date)s",
                date=day.date.strftime("%d.%m.%Y"),
            ),
            recipients=[row.recipient],
        )
        msg.body = render_template("email/quota_reminder.txt", **context)
        msg.html = render_template("email/quota_reminder.html", **context)
    return msg
