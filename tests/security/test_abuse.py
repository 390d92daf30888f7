"""What a visitor's private link lets them do is bounded."""

from datetime import UTC, date, datetime

import time_machine
from sqlalchemy import func, select

from app.core.outbox import OutboxMessage
from app.extensions import db
from app.registry.models import Proposal
from app.registry.services import VISITOR_PROPOSALS

FORM = {"kind": "event", "title": "Той", "subprogram": "atameken", "district": "nura",
        "scale": "district", "initiator_type": "citizen", "initiator_name": "Дана",
        "event_date": "2027-05-01"}  # fmt: skip


def test_a_visitor_attaches_at_most_five_proposals(client, make_day, make_booking):
    day = make_day(date(2026, 12, 25))
    with time_machine.travel(datetime(2026, 12, 20, tzinfo=UTC), tick=False):
        booking = make_booking(day.slots[0])
        url = f"/bookings/{booking.code}/proposal?lang=ru"
        answers = [
            client.post(url, data={**FORM, "token": booking.manage_token}).status_code
            for _ in range(VISITOR_PROPOSALS + 2)
        ]
    assert answers == [302] * VISITOR_PROPOSALS + [422, 422]
    assert db.session.scalar(select(func.count(Proposal.id))) == VISITOR_PROPOSALS
    mails = db.session.scalar(select(func.count(OutboxMessage.id)))
    assert mails == 1 + VISITOR_PROPOSALS  # the booking's confirmation and five registrations
