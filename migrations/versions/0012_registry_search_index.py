"""ten years of data: registry search that stays fast as entries pile up (a trigram index on
PostgreSQL (pg_trgm, GIN), an FTS5 trigram table kept in step by triggers on SQLite); background
jobs for large exports

Revision ID: 0012
Revises: 0007
Create Date: 2026-11-28 09:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0007'
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER proposals_fts_insert AFTER INSERT ON proposals BEGIN
         INSERT INTO proposals_fts (rowid, search_text) VALUES (new.id, new.search_text);
       END""",
    """CREATE TRIGGER proposals_fts_delete AFTER DELETE ON proposals BEGIN
         INSERT INTO proposals_fts (proposals_fts, rowid, search_text)
         VALUES ('delete', old.id, old.search_text);
       END""",
    """CREATE TRIGGER proposals_fts_update AFTER UPDATE OF search_text ON proposals BEGIN
         INSERT INTO proposals_fts (proposals_fts, rowid, search_text)
         VALUES ('delete', old.id, old.search_text);
         INSERT INTO proposals_fts (rowid, search_text) VALUES (new.id, new.search_text);
       END""",
]


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', 'expired', name='jobstatus', native_enum=False, length=20), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=True),
    sa.Column('content_type', sa.String(length=120), nullable=True),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_jobs_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_status_created', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_requested_by_id'), ['requested_by_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_proposals_search_trgm ON proposals "
            "USING gin (search_text gin_trgm_ops)"
        )
        return
    op.execute(
        "CREATE VIRTUAL TABLE proposals_fts USING fts5(search_text, content='proposals', "
        "content_rowid='id', tokenize='trigram')"
    )
    for trigger in SQLITE_TRIGGERS:
        op.execute(trigger)
    op.execute("INSERT INTO proposals_fts (proposals_fts) VALUES ('rebuild')")


def downgrade():
    op.drop_table('jobs')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_proposals_search_trgm")
        return
    for name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS proposals_fts_{name}")
    op.execute("DROP TABLE IF EXISTS proposals_fts")
