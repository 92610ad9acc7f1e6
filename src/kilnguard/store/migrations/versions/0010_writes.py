"""writes: invariants the database holds under concurrent writers (issue 15 point 2)

Idempotency keys; one shift per worker and start; shifts end after they start; production
amounts not negative; on PostgreSQL, no two overlapping shifts of one worker (an exclusion
constraint, extension btree_gist).

Existing data. Before this revision concurrent requests could store the same shift several
times. Exact copies (every column but the id equal) are removed, keeping the first (lowest id),
and listed on the migration's log; their audit entries stay (the chain is never rewritten). Any
other breach (two different shifts of one worker that overlap, a shift that ends before it
starts, a negative amount) is not guessed at: the revision stops, changes nothing, and lists
the rows to correct by hand.

Revision ID: 0010_writes
Revises: 0001_foundation
"""

from __future__ import annotations

import sys

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql.elements import conv

from kilnguard.store.migrations import columns as c

revision = "0010_writes"
down_revision = "0001_foundation"
branch_labels = ("writes",)

SHIFT_COLUMNS = (
    "enterprise_id, worker_id, crew_id, kiln_id, section_id, start_at, end_at, role, source"
)
CHECKS = (
    ("shifts", "ordered", "end_at > start_at"),
    ("production_records", "amounts", "output_t >= 0 AND hours_fired >= 0 AND shift_no >= 1"),
)
EXCLUSION = (
    "ALTER TABLE shifts ADD CONSTRAINT ex_shifts_worker_overlap EXCLUDE USING gist "
    "(worker_id WITH =, tsrange(start_at, end_at) WITH &&)"
)
LISTED = 20


def _remove_exact_copies(conn: sa.Connection) -> None:
    """Delete shifts identical to an earlier one in every column but the id."""
    copies = conn.execute(
        sa.text(
            f"SELECT s.id, k.first FROM shifts s JOIN (SELECT min(id) AS first, {SHIFT_COLUMNS} "
            f"FROM shifts GROUP BY {SHIFT_COLUMNS} HAVING count(*) > 1) k ON "
            + " AND ".join(
                f"(s.{col} = k.{col} OR (s.{col} IS NULL AND k.{col} IS NULL))"
                for col in SHIFT_COLUMNS.split(", ")
            )
            + " WHERE s.id <> k.first ORDER BY s.id"
        )
    ).all()
    for ident, first in copies:
        print(f"shift {ident}: an exact copy of shift {first}, removed", file=sys.stderr)
    for i in range(0, len(copies), 500):
        ids = [row[0] for row in copies[i : i + 500]]
        conn.execute(
            sa.text("DELETE FROM shifts WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"ids": ids},
        )


def _refuse_breaches(conn: sa.Connection) -> None:
    """Stop with the list of rows the new constraints would refuse (nothing is changed)."""
    problems = [
        f"shifts {a} and {b} of worker {w} overlap"
        for a, b, w in conn.execute(
            sa.text(
                "SELECT a.id, b.id, a.worker_id FROM shifts a JOIN shifts b ON "
                "a.worker_id = b.worker_id AND a.id < b.id AND a.start_at < b.end_at "
                "AND b.start_at < a.end_at ORDER BY a.id, b.id"
            )
        )
    ]
    for table, _, condition in CHECKS:
        rows = conn.execute(sa.text(f"SELECT id FROM {table} WHERE NOT ({condition}) ORDER BY id"))
        problems += [f"{table} {ident}: breaks {condition}" for (ident,) in rows]
    if problems:
        more = f"\n  … and {len(problems) - LISTED} more" if len(problems) > LISTED else ""
        listing = "\n  ".join(problems[:LISTED])
        raise RuntimeError(
            f"0010_writes: {len(problems)} stored row(s) break the rules the database is to "
            f"hold; correct or delete them, then upgrade again (nothing was changed):\n  "
            f"{listing}{more}"
        )


def upgrade() -> None:
    conn = op.get_bind()
    _remove_exact_copies(conn)
    _refuse_breaches(conn)
    c.create_tables(c.load(revision))
    for added in c.load_changes(revision).added:
        added.add()
    for table, name, condition in CHECKS:
        with op.batch_alter_table(table) as batch:
            batch.create_check_constraint(conv(f"ck_{table}_{name}"), condition)
    if conn.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(EXCLUSION)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("ALTER TABLE shifts DROP CONSTRAINT ex_shifts_worker_overlap")
    for table, name, _ in reversed(CHECKS):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(conv(f"ck_{table}_{name}"), type_="check")
    for added in reversed(c.load_changes(revision).added):
        for ix in reversed(added.indexes):
            op.drop_index(conv(ix.name), table_name=added.table)
    c.drop_tables(c.load(revision))
