"""shift_overlap: "no two current shifts of a worker overlap" held per statement, not per row

On PostgreSQL the exclusion constraint `ex_shifts_worker_overlap` (0010, rebuilt by 0014 for
current shifts) maintains a GiST index entry per shift: a bundle import COPYing 140 k shifts
spent ≈ 3–6 s in that upkeep (the import fell from 81,000 to 43,000 rows/s). This revision
replaces it by two statement-level AFTER triggers (INSERT, UPDATE) with a transition table,
so a statement of any size is checked once, set-based:

* a statement touching few workers (every web write) takes a transaction-level advisory lock
  per worker, in worker order, then probes, per new row, the worker's current shift that starts
  last before the new one ends (one descent of the partial unique index on worker and start);
* a statement touching many workers (a bulk import), or a transaction that has already locked
  many, takes `SHARE ROW EXCLUSIVE` on `shifts` (every other writer of shifts waits; readers
  do not) and checks each involved worker's current shifts, in start order, against the one
  before (a window over the same index).

Why the probe and the window are enough: current shifts of a worker have distinct starts (the
partial unique index of 0014), and if any two of a set of intervals overlap, some interval
overlaps the one that starts just before it. So for a new row, the shift with the latest start
before its end either starts inside it or is its predecessor; either way it overlaps iff it
ends after the new row starts.

Concurrency: two writers of one worker are serialised by the advisory lock (or the table
lock), and the check after it runs with a fresh snapshot in READ COMMITTED, so it sees the
other writer's committed rows. SERIALIZABLE transactions are covered by SSI (the check reads
the range the other writes). REPEATABLE READ would check against a stale snapshot, so writing
shifts in it is refused. The violation is reported as SQLSTATE 23P01 (exclusion_violation)
naming `ex_shifts_worker_overlap`, as the constraint did, so callers see the same `Conflict`.

SQLite has no such triggers: its writes are serialised (`BEGIN IMMEDIATE`) and the services
check overlaps inside the write transaction.

Revision ID: 0015_shift_overlap
Revises: 0001_foundation (depends on 0014_corrections, which last built the constraint)
"""

from __future__ import annotations

from alembic import op

revision = "0015_shift_overlap"
down_revision = "0001_foundation"
branch_labels = ("shift_overlap",)
depends_on = ("0014_corrections",)

LOCK_SPACE = 0x6B677368
"""Key space of the per-worker advisory locks ("kgsh"); other spaces: services/risk/levels.py."""
FEW_WORKERS = 64
"""Above this many workers locked in one transaction, the trigger locks the table instead (an
advisory lock per worker would fill PostgreSQL's shared lock table on a large import)."""

FUNCTION = f"""
CREATE FUNCTION kilnguard_shifts_no_overlap() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    workers integer;
    held integer;
    locked boolean;
    clash record;
BEGIN
    SELECT count(DISTINCT worker_id) INTO workers FROM new_rows WHERE voided_at IS NULL;
    IF workers = 0 THEN
        RETURN NULL;
    END IF;
    IF current_setting('transaction_isolation') = 'repeatable read' THEN
        RAISE EXCEPTION 'shifts are written in READ COMMITTED or SERIALIZABLE transactions'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'the overlap check of ex_shifts_worker_overlap needs a fresh snapshot';
    END IF;
    locked := coalesce(current_setting('kilnguard.shifts_locked', true), '') = 'on';
    held := coalesce(nullif(current_setting('kilnguard.shift_workers', true), ''), '0')::integer;
    IF NOT locked AND held + workers > {FEW_WORKERS} THEN
        LOCK TABLE shifts IN SHARE ROW EXCLUSIVE MODE;
        PERFORM set_config('kilnguard.shifts_locked', 'on', true);
        locked := true;
    END IF;
    IF locked THEN
        SELECT a.id AS a, a.prev AS b, a.worker_id INTO clash FROM (
            SELECT s.id, s.worker_id, s.start_at,
                   lag(s.end_at) OVER w AS prev_end, lag(s.id) OVER w AS prev
            FROM shifts s
            WHERE s.voided_at IS NULL AND s.worker_id IN (
                SELECT worker_id FROM new_rows WHERE voided_at IS NULL)
            WINDOW w AS (PARTITION BY s.worker_id ORDER BY s.start_at)
        ) a
        WHERE a.prev_end > a.start_at
        LIMIT 1;
    ELSE
        PERFORM pg_advisory_xact_lock({LOCK_SPACE}, k.worker_id)
        FROM (SELECT DISTINCT worker_id FROM new_rows WHERE voided_at IS NULL
              ORDER BY worker_id) k;
        PERFORM set_config('kilnguard.shift_workers', (held + workers)::text, true);
        SELECT n.id AS a, m.id AS b, n.worker_id INTO clash
        FROM new_rows n CROSS JOIN LATERAL (
            SELECT s.id, s.end_at FROM shifts s
            WHERE s.worker_id = n.worker_id AND s.voided_at IS NULL
              AND s.start_at < n.end_at AND s.id <> n.id
            ORDER BY s.start_at DESC
            LIMIT 1
        ) m
        WHERE n.voided_at IS NULL AND m.end_at > n.start_at
        LIMIT 1;
    END IF;
    IF clash.a IS NOT NULL THEN
        RAISE EXCEPTION 'conflicting key value violates exclusion constraint '
                        '"ex_shifts_worker_overlap"'
            USING ERRCODE = 'exclusion_violation',
                  CONSTRAINT = 'ex_shifts_worker_overlap',
                  TABLE = 'shifts',
                  DETAIL = format('shifts %s and %s of worker %s overlap',
                                  least(clash.a, clash.b), greatest(clash.a, clash.b),
                                  clash.worker_id);
    END IF;
    RETURN NULL;
END
$fn$
"""
TRIGGERS = tuple(
    f"CREATE TRIGGER tg_shifts_no_overlap_{event.lower()} AFTER {event} ON shifts "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION kilnguard_shifts_no_overlap()"
    for event in ("INSERT", "UPDATE")
)
EXCLUSION = (
    "ALTER TABLE shifts ADD CONSTRAINT ex_shifts_worker_overlap EXCLUDE USING gist "
    "(worker_id WITH =, tsrange(start_at, end_at) WITH &&) WHERE (voided_at IS NULL)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # the constraint held until now, so the stored shifts satisfy the triggers' rule already
    op.execute("LOCK TABLE shifts IN SHARE ROW EXCLUSIVE MODE")
    op.execute(FUNCTION)
    for trigger in TRIGGERS:
        op.execute(trigger)
    op.execute("ALTER TABLE shifts DROP CONSTRAINT ex_shifts_worker_overlap")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(EXCLUSION)
    for event in ("insert", "update"):
        op.execute(f"DROP TRIGGER tg_shifts_no_overlap_{event} ON shifts")
    op.execute("DROP FUNCTION kilnguard_shifts_no_overlap()")
