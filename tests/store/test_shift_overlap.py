"""Revision 0015_shift_overlap on PostgreSQL: the statement-level triggers refuse an overlapping
current shift of a worker whether it arrives alone (a web write: per-worker advisory lock and
index probe) or in a bulk statement over many workers (table lock and window check), against
stored shifts and within the statement; touching ends, voided shifts and other workers pass;
two transactions racing for one worker's hour store one shift."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from alembic import command

from kilnguard.store import db as store_db
from tests.store.test_migration_onboarding import ROWS as PLANT  # worker 7 on kiln 1

pytestmark = pytest.mark.postgresql_only

WORKERS = 80  # more than the trigger's FEW_WORKERS: a statement over them takes the bulk path


@pytest.fixture
def engine(fresh_database_url: Callable[[], str]) -> Iterator[sa.Engine]:
    url = fresh_database_url()
    command.upgrade(store_db.alembic_config(url), "heads")
    engine = sa.create_engine(store_db.normalise_url(url))
    with engine.begin() as conn:
        for statement in PLANT.split(";"):
            if statement.strip():
                conn.execute(sa.text(statement))
        conn.execute(
            sa.text(
                "INSERT INTO workers (id, enterprise_id, name, job, qualifications, source, "
                "number) SELECT 100 + g, 1, 'W' || g, 'kiln operator', 'rotary', 'recorded', "
                "'N-' || g FROM generate_series(1, :n) g"
            ),
            {"n": WORKERS},
        )
    yield engine
    engine.dispose()


def shifts(rows: list[tuple[int, int, str, str]]) -> sa.TextClause:
    """One INSERT statement of (id, worker, start, end) rows on kiln 1."""
    values = ", ".join(
        f"({i}, 1, {w}, 1, '{s}', '{e}', 'operator', 'recorded')" for i, w, s, e in rows
    )
    return sa.text(
        "INSERT INTO shifts (id, enterprise_id, worker_id, kiln_id, start_at, end_at, role, "
        f"source) VALUES {values}"
    )


def roster(first_id: int, day: str) -> list[tuple[int, int, str, str]]:
    """Every one of the WORKERS working the day shift 07:00–15:00 of `day`."""
    return [(first_id + k, 101 + k, f"{day} 07:00:00", f"{day} 15:00:00") for k in range(WORKERS)]


def test_a_single_overlapping_shift_is_refused_and_touching_ends_pass(engine: sa.Engine) -> None:
    with engine.begin() as c:
        c.execute(shifts([(1, 7, "2021-11-27 23:00:00", "2021-11-28 07:00:00")]))
        c.execute(shifts([(2, 7, "2021-11-28 07:00:00", "2021-11-28 15:00:00")]))  # touches
        c.execute(shifts([(3, 7, "2021-11-27 15:00:00", "2021-11-27 23:00:00")]))  # before
    for start, end in [
        ("2021-11-28 03:00:00", "2021-11-28 11:00:00"),  # straddles 1 and 2
        ("2021-11-27 22:00:00", "2021-11-27 22:30:00"),  # inside 3
        ("2021-11-27 00:00:00", "2021-11-29 00:00:00"),  # covers all three
    ]:
        with (
            pytest.raises(sa.exc.IntegrityError, match="ex_shifts_worker_overlap"),
            engine.begin() as c,
        ):
            c.execute(shifts([(9, 7, start, end)]))


def test_a_bulk_statement_is_checked_against_stored_shifts_and_itself(
    engine: sa.Engine,
) -> None:
    with engine.begin() as c:
        c.execute(shifts(roster(1000, "2021-11-01")))
        c.execute(shifts(roster(2000, "2021-11-02")))  # the next day: no overlap
    clash_stored = roster(3000, "2021-11-03")
    clash_stored[40] = (3040, 141, "2021-11-02 14:00:00", "2021-11-02 16:00:00")
    clash_itself = roster(4000, "2021-11-04")
    clash_itself.append((4999, 150, "2021-11-04 14:59:00", "2021-11-04 23:00:00"))
    for rows, message in [
        (clash_stored, "shifts 2040 and 3040 of worker 141 overlap"),
        (clash_itself, "of worker 150 overlap"),
    ]:
        with (
            pytest.raises(sa.exc.IntegrityError, match=message),
            engine.begin() as c,
        ):
            c.execute(shifts(rows))
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM shifts")).scalar_one() == 2 * WORKERS


def test_moving_a_shift_onto_another_is_refused_and_a_voided_one_blocks_nothing(
    engine: sa.Engine,
) -> None:
    with engine.begin() as c:
        c.execute(shifts([(1, 7, "2021-11-28 07:00:00", "2021-11-28 15:00:00")]))
        c.execute(shifts([(2, 7, "2021-11-28 15:00:00", "2021-11-28 23:00:00")]))
    with (
        pytest.raises(sa.exc.IntegrityError, match="ex_shifts_worker_overlap"),
        engine.begin() as c,
    ):
        c.execute(sa.text("UPDATE shifts SET end_at = '2021-11-28 16:00:00' WHERE id = 1"))
    with engine.begin() as c:
        c.execute(sa.text("UPDATE shifts SET voided_at = '2021-11-29 08:00:00' WHERE id = 1"))
        c.execute(shifts([(3, 7, "2021-11-28 08:00:00", "2021-11-28 14:00:00")]))


def test_two_transactions_racing_for_one_hour_store_one_shift(engine: sa.Engine) -> None:
    """Both insert before either commits; the second's check waits for the first's lock and
    then sees its committed row (a stale snapshot would let both through)."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def write(ident: int, start: str) -> None:
        try:
            with engine.begin() as c:
                c.execute(sa.text("SELECT 1"))
                barrier.wait()
                c.execute(shifts([(ident, 7, start, "2021-11-28 15:00:00")]))
                c.execute(sa.text("SELECT pg_sleep(0.3)"))
            outcomes.append("stored")
        except sa.exc.IntegrityError as exc:
            assert "ex_shifts_worker_overlap" in str(exc)
            outcomes.append("refused")

    threads = [
        threading.Thread(target=write, args=(1, "2021-11-28 07:00:00")),
        threading.Thread(target=write, args=(2, "2021-11-28 08:00:00")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused", "stored"]


def test_repeatable_read_cannot_write_shifts(engine: sa.Engine) -> None:
    with (
        pytest.raises(sa.exc.NotSupportedError, match="READ COMMITTED or SERIALIZABLE"),
        engine.connect().execution_options(isolation_level="REPEATABLE READ") as c,
    ):
        c.execute(shifts([(1, 7, "2021-11-28 07:00:00", "2021-11-28 15:00:00")]))
