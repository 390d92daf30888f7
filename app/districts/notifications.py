"""Mail to district coordinators: the delegate quota reminder, from the outbox snapshot."""

from datetime import date

from flask import render_template
from flask_babel import gettext as _

from app.core.i18n import current_language
from app.core.mail import compose
from app.core.outbox import mail_context, renderer
from app.core.urls import public_url


@renderer("quota_reminder")
def quota_reminder(row):
    facts = row.payload
    on = date.fromisoformat(facts["date"])
    with mail_context(row.language):
        context = {
            "on": on,
            "district_name": facts["name_kk" if current_language() == "kk" else "name_ru"],
            "facts": facts,
            "link": public_url("districts.day", code=facts["district"], on=on),
        }
        return compose(
            to=row.recipient,
            subject=_(
                "Delegates for the Civil Initiatives Day of %(date)s", date=on.strftime("%d.%m.%Y")
            ),
            text=render_template("email/quota_reminder.txt", **context),
            html=render_template("email/quota_reminder.html", **context),
        )
