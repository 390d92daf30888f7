"""Mail to an initiator at each public change of their entry, in their language, from the
outbox snapshot of that change."""

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
