"""corrections: records are corrected or voided, never deleted (issue 16 point 2)

Adds `voided_at`, `voided_by`, `void_reason` to every record kind a user enters (snapshot
schema/0014_corrections.toml), and holds "one current production record per kiln, day and
shift" in the database: a partial unique index over the rows not voided. The shift rules of
0010_writes (one shift per worker and start; on PostgreSQL no two overlapping shifts of a
worker) are rebuilt to hold for current shifts only, so a voided shift does not block the
corrected one entered in its place; hence this branch depends on 0010_writes.

Existing data. Installations before this revision could store two production records for one
kiln, day and shift. Nothing is deleted or guessed at: each later copy (higher id) is voided,
naming the record it duplicates, and listed on the migration's log; a user keeps or corrects
the right one (`kilnguard records void/correct`, or the kiln page).

Revision ID: 0014_corrections
Revises: 0001_foundation
"""

from __future__ import annotations

import datetime as dt
import sys

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql.elements import conv

from kilnguard.store.migrations import columns as c

revision = "0014_corrections"
down_revision = "0001_foundation"
branch_labels = ("corrections",)
depends_on = ("0010_writes",)

CURRENT = "voided_at IS NULL"
PRODUCTION_KEY = (
    "uq_production_kiln_day_shift",
    "production_records",
    ["kiln_id", "day", "shift_no"],
)
SHIFT_KEY = ("uq_shifts_worker_start", "shifts", ["worker_id", "start_at"])
EXCLUSION = (
    "ALTER TABLE shifts ADD CONSTRAINT ex_shifts_worker_overlap EXCLUDE USING gist "
    "(worker_id WITH =, tsrange(start_at, end_at) WITH &&)"
)
VOIDED_BY = "migration 0014"


def _void_duplicates(conn: sa.Connection) -> None:
    """Void each production record that repeats an earlier one's kiln, day and shift."""
    copies = conn.execute(
        sa.text(
            "SELECT p.id, f.first FROM production_records p JOIN (SELECT kiln_id, day, shift_no, "
            "min(id) AS first FROM production_records GROUP BY kiln_id, day, shift_no "
            "HAVING count(*) > 1) f ON p.kiln_id = f.kiln_id AND p.day = f.day "
            "AND p.shift_no = f.shift_no WHERE p.id <> f.first ORDER BY p.id"
        )
    ).all()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for ident, first in copies:
        reason = (
            f"a second record of the same kiln, day and shift as production record {first}: "
            "voided on upgrade; correct the one that is wrong"
        )
        conn.execute(
            sa.text(
                "UPDATE production_records SET voided_at = :at, voided_by = :by, "
                "void_reason = :reason WHERE id = :id"
            ),
            {"at": now, "by": VOIDED_BY, "reason": reason, "id": ident},
        )
        print(
            f"production record {ident}: a copy of {first} (kiln, day, shift), voided",
            file=sys.stderr,
        )


def _index(name: str, table: str, cols: list[str], partial: bool) -> None:
    """A unique index; `partial`: over current rows only (`voided_at IS NULL`)."""
    where = sa.text(CURRENT) if partial else None
    op.create_index(
        conv(name), table, cols, unique=True, sqlite_where=where, postgresql_where=where
    )


def upgrade() -> None:
    conn = op.get_bind()
    for added in c.load_changes(revision).added:
        added.add()
    _void_duplicates(conn)
    _index(*PRODUCTION_KEY, partial=True)
    op.drop_index(conv(SHIFT_KEY[0]), table_name=SHIFT_KEY[1])
    _index(*SHIFT_KEY, partial=True)
    if conn.dialect.name == "postgresql":
        op.execute("ALTER TABLE shifts DROP CONSTRAINT ex_shifts_worker_overlap")
        op.execute(f"{EXCLUSION} WHERE ({CURRENT})")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("ALTER TABLE shifts DROP CONSTRAINT ex_shifts_worker_overlap")
        op.execute(EXCLUSION)
    op.drop_index(conv(SHIFT_KEY[0]), table_name=SHIFT_KEY[1])
    _index(*SHIFT_KEY, partial=False)
    op.drop_index(conv(PRODUCTION_KEY[0]), table_name=PRODUCTION_KEY[1])
    for added in reversed(c.load_changes(revision).added):
        added.drop()
