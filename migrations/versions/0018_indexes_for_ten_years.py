"""indexes for ten years of data: the twice-monthly report read from one covering index,
a past report's look-up of entries changed since, the office's undelivered messages and the
SMS daily count

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-28 10:20:00

"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_proposals_report",
        "proposals",
        ["district_id", "status", "subprogram", "kind", "created_at", "people_involved",
         "funding_amount", "due_on", "answered_on"],
    )  # fmt: skip
    op.create_index("ix_proposal_events_history", "proposal_events", ["proposal_id", "at"])
    op.create_index("ix_outbox_channel_status_sent", "outbox", ["channel", "status", "sent_at"])
    op.create_index("ix_outbox_delivery_status", "outbox", ["delivery_status"])


def downgrade():
    op.drop_index("ix_outbox_delivery_status", table_name="outbox")
    op.drop_index("ix_outbox_channel_status_sent", table_name="outbox")
    op.drop_index("ix_proposal_events_history", table_name="proposal_events")
    op.drop_index("ix_proposals_report", table_name="proposals")
