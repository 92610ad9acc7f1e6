"""Revision 0014_corrections on a database that already holds a second production record of a
kiln, day and shift (the issue's double entry): the later one is voided, naming the first, and
listed; nothing is deleted. After it the database itself refuses a second current record, and
a voided one makes room for its replacement."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from tests.store.test_migration_writes import migrate


def production(ident: int, shift: int, output: float) -> str:
    return (
        "INSERT INTO production_records (id, enterprise_id, kiln_id, day, shift_no, output_t, "
        f"hours_fired, note, source) VALUES ({ident}, 1, 1, '2021-11-20', {shift}, {output}, 8, "
        "'', 'recorded')"
    )


def test_a_stored_double_entry_is_voided_and_listed_and_no_new_one_gets_in(
    fresh_database_url: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [production(3, 1, 12.0), production(4, 1, 12.0), production(5, 2, 11.0)]
    engine = migrate(fresh_database_url(), rows)
    with engine.connect() as conn:
        kept = conn.execute(
            sa.text("SELECT id, voided_by, void_reason FROM production_records ORDER BY id")
        ).all()
    assert [(i, by) for i, by, _ in kept] == [(3, None), (4, "migration 0014"), (5, None)]
    assert "production record 3" in kept[1][2]
    assert "production record 4: a copy of 3 (kiln, day, shift), voided" in capsys.readouterr().err
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(sa.text(production(9, 2, 10.0)))
    with engine.begin() as conn:  # a voided record does not count
        conn.execute(
            sa.text("UPDATE production_records SET voided_at = '2021-11-21 00:00:00' WHERE id = 5")
        )
        conn.execute(sa.text(production(9, 2, 10.0)))
    engine.dispose()
