"""the Day itself: desks, the call of each visitor, the waiting list, kiosk devices

Revision ID: 0015
Revises: 0012
Create Date: 2026-11-28 09:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0012'
branch_labels = None
depends_on = None


def _enum(*values):
    return sa.Enum(*values, native_enum=False, length=20)


def upgrade():
    op.create_table(
        'queue_days',
        sa.Column('day_id', sa.Integer(), nullable=False),
        sa.Column('district_session', sa.Boolean(), server_default='0', nullable=False),
        sa.Column('version', sa.Integer(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['day_id'], ['days.id'], name=op.f('fk_queue_days_day_id_days'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('day_id', name=op.f('pk_queue_days')),
    )
    op.create_table(
        'desks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('name_ru', sa.String(length=60), nullable=False),
        sa.Column('name_kk', sa.String(length=60), nullable=False),
        sa.CheckConstraint('number > 0', name=op.f('ck_desks_number_positive')),
        sa.ForeignKeyConstraint(['day_id'], ['days.id'], name=op.f('fk_desks_day_id_days'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_desks')),
        sa.UniqueConstraint('day_id', 'number', name='uq_desks_day_id_number'),
    )
    op.create_index(op.f('ix_desks_day_id'), 'desks', ['day_id'], unique=False)
    op.create_table(
        'visits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('booking_id', sa.Integer(), nullable=False),
        sa.Column('day_id', sa.Integer(), nullable=False),
        sa.Column('desk', sa.Integer(), nullable=False),
        sa.Column('status', _enum('called', 'serving', 'done', 'skipped', 'recalled'),
                  nullable=False),
        sa.Column('first_called_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('called_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('serving_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('skips', sa.Integer(), nullable=False),
        sa.Column('skipped_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('called_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('skips >= 0 AND skips <= 2', name=op.f('ck_visits_skips_in_range')),
        sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'],
                                name=op.f('fk_visits_booking_id_bookings')),
        sa.ForeignKeyConstraint(['called_by_id'], ['users.id'],
                                name=op.f('fk_visits_called_by_id_users')),
        sa.ForeignKeyConstraint(['day_id'], ['days.id'], name=op.f('fk_visits_day_id_days')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_visits')),
        sa.UniqueConstraint('booking_id', name=op.f('uq_visits_booking_id')),
    )
    op.create_index('ix_visits_day_id_status', 'visits', ['day_id', 'status'], unique=False)
    op.create_table(
        'waitlist_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=12), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('day_id', sa.Integer(), nullable=False),
        sa.Column('full_name', sa.String(length=200), nullable=False),
        sa.Column('category', _enum('citizen', 'npo', 'business', 'party', 'delegate'),
                  nullable=False),
        sa.Column('organization', sa.String(length=200), nullable=True),
        sa.Column('district_id', sa.Integer(), nullable=True),
        sa.Column('phone', sa.String(length=20), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('topic', _enum('progress', 'problem', 'proposal'), nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('consent_version', sa.String(length=20), nullable=True),
        sa.Column('consented_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('earliest', sa.Time(), nullable=True),
        sa.Column('latest', sa.Time(), nullable=True),
        sa.Column('status', _enum('waiting', 'promoted', 'left'), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('booking_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('earliest IS NULL OR latest IS NULL OR earliest < latest',
                           name=op.f('ck_waitlist_entries_window_in_order')),
        sa.CheckConstraint("email IS NULL OR email <> ''",
                           name=op.f('ck_waitlist_entries_email_not_empty')),
        sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'],
                                name=op.f('fk_waitlist_entries_booking_id_bookings')),
        sa.ForeignKeyConstraint(['day_id'], ['days.id'],
                                name=op.f('fk_waitlist_entries_day_id_days')),
        sa.ForeignKeyConstraint(['district_id'], ['districts.id'],
                                name=op.f('fk_waitlist_entries_district_id_districts')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_entries')),
        sa.UniqueConstraint('code', name=op.f('uq_waitlist_entries_code')),
    )
    op.create_index(op.f('ix_waitlist_entries_day_id'), 'waitlist_entries', ['day_id'],
                    unique=False)
    waiting = sa.text("status = 'waiting'")
    op.create_index('uq_waitlist_day_phone_waiting', 'waitlist_entries', ['day_id', 'phone'],
                    unique=True, sqlite_where=waiting, postgresql_where=waiting)
    op.create_index('uq_waitlist_day_email_waiting', 'waitlist_entries', ['day_id', 'email'],
                    unique=True, sqlite_where=waiting, postgresql_where=waiting)
    op.create_table(
        'kiosk_devices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_kiosk_devices_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_devices')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_kiosk_devices_token_hash')),
    )


def downgrade():
    op.drop_table('kiosk_devices')
    op.drop_index('uq_waitlist_day_email_waiting', table_name='waitlist_entries')
    op.drop_index('uq_waitlist_day_phone_waiting', table_name='waitlist_entries')
    op.drop_index(op.f('ix_waitlist_entries_day_id'), table_name='waitlist_entries')
    op.drop_table('waitlist_entries')
    op.drop_index('ix_visits_day_id_status', table_name='visits')
    op.drop_table('visits')
    op.drop_index(op.f('ix_desks_day_id'), table_name='desks')
    op.drop_table('desks')
    op.drop_table('queue_days')
