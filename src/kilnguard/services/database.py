"""Wiping a database for the demo: the one destructive act on the store, kept out of the CLI
(front ends issue no SQL)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from kilnguard.store import db


def reset_database(url: str) -> None:
    """Drop everything kilnguard stored at `url`, so the demo starts from a clean slate."""
    url = db.normalise_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        for suffix in ("", "-wal", "-shm"):
            p = Path(path + suffix)
            if path and p.exists():
                p.unlink()
        db.engine_for.cache_clear()
        return
    engine = db.make_engine(url)
    with engine.begin() as conn:
        for table in inspect(conn).get_table_names():
            conn.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    engine.dispose()
    db.engine_for.cache_clear()
