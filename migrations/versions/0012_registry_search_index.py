"""registry search that stays fast as entries pile up: a trigram index on PostgreSQL
(pg_trgm, GIN), an FTS5 trigram table kept in step by triggers on SQLite

Revision ID: 0012
Revises: 0007
Create Date: 2026-11-28 09:00:00

"""
from alembic import op

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
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_proposals_search_trgm")
        return
    for name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS proposals_fts_{name}")
    op.execute("DROP TABLE IF EXISTS proposals_fts")
