"""Mail to an initiator at each public change of their entry, in their language, from the
outbox snapshot of that change."""

from datetime import date
from types import SimpleNamespace

from flask import render_template
from flask_babel import gettext as _

from app.core.mail import compose
from app.core.outbox import Channel, mail_context, renderer
from app.core.urls import public_url

from . import services
from .models import Registry, Status


@renderer("proposal_update")
def proposal_update(row):
    facts = row.payload
    proposal = SimpleNamespace(
        number=facts["number"],
        title=facts["title"],
        initiator_name=facts["initiator_name"],
        status=Status(facts["status"]),
        in_registry=Registry(facts["registry"]),
    )
    event = SimpleNamespace(action=facts["action"], comment=facts.get("comment"))
    with mail_context(row.language):
        link = public_url("registry.status_page", number=proposal.number,
                          token=services.status_token(facts["proposal_id"]))  # fmt: skip
        context = {"proposal": proposal, "event": event, "link": link}
        return compose(
            to=row.recipient,
            subject=_(
                "Your proposal %(number)s: %(status)s",
                number=proposal.number,
                status=proposal.status.title,
            ),
            text=render_template("email/proposal_update.txt", **context),
            html=render_template("email/proposal_update.html", **context),
        )


@renderer("proposal_update", Channel.sms)
def proposal_update_sms(row):
    facts = row.payload
    with mail_context(row.language):
        return _(
            "Civil Initiatives Day: your proposal %(number)s — %(status)s.",
            number=facts["number"],
            status=Status(facts["status"]).title,
        )


@renderer("proposal_deadline")
def proposal_deadline(row):
    """To whoever answers an entry: its answer is due soon, or today."""
    facts = row.payload
    due_on = date.fromisoformat(facts["due_on"])
    with mail_context(row.language):
        link = public_url("registry.detail", number=facts["number"])
        context = {"facts": facts, "due_on": due_on, "link": link}
        subject = (
            _("Answer due today: %(number)s", number=facts["number"])
            if facts["moment"] == "due"
            else _("Answer due on %(date)s: %(number)s", number=facts["number"],
                   date=due_on.strftime("%d.%m.%Y"))
        )  # fmt: skip
        return compose(
            to=row.recipient,
            subject=subject,
            text=render_template("email/proposal_deadline.txt", **context),
            html=render_template("email/proposal_deadline.html", **context),
        )
