"""SMS beside mail: the outbox's channel, the text sent, the provider's id and delivery
report; a booking's SMS opt-out and the generation of its SMS short link

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 10:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.Enum('email', 'sms', name='channel', native_enum=False, length=10), server_default='email', nullable=False))
        batch_op.add_column(sa.Column('body', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('provider_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('delivery_status', sa.Enum('delivered', 'failed', name='deliverystatus', native_enum=False, length=20), nullable=True))
        batch_op.add_column(sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_outbox_channel_recipient_sent', ['channel', 'recipient', 'sent_at'], unique=False)

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sms_opt_out_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sms_link_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('sms_link_version')
        batch_op.drop_column('sms_opt_out_at')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_channel_recipient_sent')
        batch_op.drop_column('delivered_at')
        batch_op.drop_column('delivery_status')
        batch_op.drop_column('provider_id')
        batch_op.drop_column('body')
        batch_op.drop_column('channel')
