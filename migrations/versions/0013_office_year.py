"""the office runs the year from its pages: settings changed on pages, districts edited by
the office (kept by flask seed), answer deadlines of proposals

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 10:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('settings',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_settings_updated_by_id_users')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )
    with op.batch_alter_table('districts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_edited', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('answered_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_proposals_due_on'), ['due_on'], unique=False)


def downgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposals_due_on'))
        batch_op.drop_column('answered_on')
        batch_op.drop_column('due_on')
    with op.batch_alter_table('districts', schema=None) as batch_op:
        batch_op.drop_column('is_edited')
    op.drop_table('settings')
