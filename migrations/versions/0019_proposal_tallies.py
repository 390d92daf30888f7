"""the registry's running totals (proposal_tallies), kept by triggers on proposals, so the
twice-monthly report reads a few dozen rows instead of every entry; indexes for open entries
by due date, answers by date, entries by status and status changes by date

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-28 15:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

KEY = ("district_id", "status", "subprogram", "kind")
FIGURES = ("entries", "people", "funding_tiyn", "on_time", "late")
#: what leaves or joins a tally row's figures in the proposal ``row`` (OLD or NEW)
ANSWERED = "{row}.due_on IS NOT NULL AND {row}.answered_on IS NOT NULL"


def _figures(row, dialect):
    """The figures one entry adds to its tally row, as SQL over ``row`` (NEW or OLD)."""
    big = "INTEGER" if dialect == "sqlite" else "BIGINT"
    answered = ANSWERED.format(row=row)
    return (
        "1",
        f"coalesce({row}.people_involved, 0)",
        f"CAST(round(coalesce({row}.funding_amount, 0) * 100) AS {big})",
        f"CASE WHEN {answered} AND {row}.answered_on <= {row}.due_on THEN 1 ELSE 0 END",
        f"CASE WHEN {answered} AND {row}.answered_on > {row}.due_on THEN 1 ELSE 0 END",
    )


def _match(row):
    return " AND ".join(f"{column} = {row}.{column}" for column in KEY)


def _move(row, sign, dialect):
    """One UPDATE adding (+) or taking away (-) the entry ``row`` from its tally row."""
    changes = ", ".join(
        f"{name} = {name} {sign} {value}"
        for name, value in zip(FIGURES, _figures(row, dialect), strict=True)
    )
    return f"UPDATE proposal_tallies SET {changes} WHERE {_match(row)};"


def _make_row(row):
    keys = ", ".join(KEY)
    values = ", ".join(f"{row}.{column}" for column in KEY)
    zeros = ", ".join("0" for _ in FIGURES)
    return (
        f"INSERT INTO proposal_tallies ({keys}, {', '.join(FIGURES)}) "
        f"VALUES ({values}, {zeros}) ON CONFLICT DO NOTHING;"
    )


#: the columns whose change moves an entry between tally rows or changes its figures
WATCHED = "district_id, status, subprogram, kind, people_involved, funding_amount, due_on, " \
    "answered_on"  # fmt: skip

SQLITE_TRIGGERS = {
    "proposal_tallies_insert": ("AFTER INSERT", [_make_row("NEW"), "+NEW"]),
    "proposal_tallies_update": (f"AFTER UPDATE OF {WATCHED}", ["-OLD", _make_row("NEW"), "+NEW"]),
    "proposal_tallies_delete": ("AFTER DELETE", ["-OLD"]),
}


def _sqlite_body(steps):
    return "\n".join(
        _move(step[1:], step[0], "sqlite") if step[0] in "+-" else step for step in steps
    )


def _postgresql_function():
    keys = ", ".join(KEY)
    new_values = ", ".join([*(f"NEW.{c}" for c in KEY), *_figures("NEW", "postgresql")])
    adds = ", ".join(f"{name} = t.{name} + EXCLUDED.{name}" for name in FIGURES)
    return f"""
CREATE FUNCTION proposal_tallies_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {_move("OLD", "-", "postgresql")}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO proposal_tallies AS t ({keys}, {", ".join(FIGURES)})
        VALUES ({new_values})
        ON CONFLICT ({keys}) DO UPDATE SET {adds};
    END IF;
    RETURN NULL;
END
$$;
"""


def _fill(dialect):
    big = "INTEGER" if dialect == "sqlite" else "BIGINT"
    keys = ", ".join(KEY)
    answered = ANSWERED.format(row="proposals")
    op.execute(
        f"INSERT INTO proposal_tallies ({keys}, {', '.join(FIGURES)}) "
        f"SELECT {keys}, count(*), coalesce(sum(people_involved), 0), "
        f"coalesce(sum(CAST(round(coalesce(funding_amount, 0) * 100) AS {big})), 0), "
        f"coalesce(sum(CASE WHEN {answered} AND answered_on <= due_on THEN 1 ELSE 0 END), 0), "
        f"coalesce(sum(CASE WHEN {answered} AND answered_on > due_on THEN 1 ELSE 0 END), 0) "
        f"FROM proposals GROUP BY {keys}"
    )


def upgrade():
    op.create_table(
        "proposal_tallies",
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("subprogram", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("people", sa.BigInteger(), nullable=False),
        sa.Column("funding_tiyn", sa.BigInteger(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"]),
        sa.PrimaryKeyConstraint(*KEY),
    )
    dialect = op.get_bind().dialect.name
    _fill(dialect)
    if dialect == "postgresql":
        op.execute(_postgresql_function())
        op.execute(
            f"CREATE TRIGGER proposal_tallies AFTER INSERT OR DELETE OR UPDATE OF {WATCHED} "
            "ON proposals FOR EACH ROW EXECUTE FUNCTION proposal_tallies_apply()"
        )
    else:
        for name, (when, steps) in SQLITE_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} {when} ON proposals FOR EACH ROW BEGIN\n"
                f"{_sqlite_body(steps)}\nEND"
            )
    # The tallies answer what the nine-column covering index answered, without the scan.
    op.drop_index("ix_proposals_report", table_name="proposals")
    where = sa.text("answered_on IS NULL")
    op.create_index("ix_proposals_unanswered", "proposals", ["due_on"],
                    sqlite_where=where, postgresql_where=where)  # fmt: skip
    op.create_index("ix_proposals_answered_on", "proposals", ["answered_on"])
    op.create_index("ix_proposals_status_created", "proposals", ["status", "created_at"])
    changed = sa.text("to_status IS NOT NULL")
    op.create_index("ix_proposal_events_status_at", "proposal_events", ["at"],
                    sqlite_where=changed, postgresql_where=changed)  # fmt: skip


def downgrade():
    op.drop_index("ix_proposal_events_status_at", table_name="proposal_events")
    op.drop_index("ix_proposals_status_created", table_name="proposals")
    op.drop_index("ix_proposals_answered_on", table_name="proposals")
    op.drop_index("ix_proposals_unanswered", table_name="proposals")
    op.create_index(
        "ix_proposals_report",
        "proposals",
        ["district_id", "status", "subprogram", "kind", "created_at", "people_involved",
         "funding_amount", "due_on", "answered_on"],
    )  # fmt: skip
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER proposal_tallies ON proposals")
        op.execute("DROP FUNCTION proposal_tallies_apply()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("proposal_tallies")
