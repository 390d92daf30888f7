"""Mail to an initiator at each public change of their entry, in their language."""

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mail import Message

from app.core.outbox import renderer
from app.extensions import db

from . import services
from .models import Proposal, ProposalEvent


@renderer("proposal_update")
def proposal_update(row):
    proposal = db.session.get(Proposal, row.payload["proposal_id"])
    event = db.session.get(ProposalEvent, row.payload["event_id"])
    if proposal is None or event is None:
        raise LookupError("the proposal is gone")
    base_url = current_app.config["PUBLIC_BASE_URL"]
    with current_app.test_request_context(base_url=base_url), force_locale(row.language):
        link = url_for("registry.status_page", number=proposal.number,
                       token=services.status_token(proposal.id), _external=True)  # fmt: skip
        context = {"proposal": proposal, "event": event, "link": link}
        msg = Message(
            subject=_(
                "Your proposal %(number)s: %(status)s",
                number=proposal.number,
                status=proposal.status.title,
            ),
            recipients=[row.recipient],
        )
        msg.body = render_template("email/proposal_update.txt", **context)
        msg.html = render_template("email/proposal_update.html", **context)
    return msg
