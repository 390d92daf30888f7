"""session versions (sign-out ends every session); failures of trusted browsers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 07:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_version', sa.Integer(), server_default='1', nullable=False)
        )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device', sa.String(length=32), nullable=True))
        batch_op.create_index('ix_login_failures_device_at', ['device', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_device_at')
        batch_op.drop_column('device')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
