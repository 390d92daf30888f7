"""outbox threads (mail of one booking in order); a Day's iCalendar SEQUENCE and LAST-MODIFIED

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 06:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('thread', sa.String(length=60), nullable=True))
        batch_op.create_index('ix_outbox_thread_id', ['thread', 'id'], unique=False)
    with op.batch_alter_table('days', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE days SET updated_at = created_at")
    with op.batch_alter_table('days', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table('days', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('sequence')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_thread_id')
        batch_op.drop_column('thread')
