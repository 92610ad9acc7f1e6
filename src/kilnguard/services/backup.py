"""Backup and restore of the whole database (issue 15 point 11), each database by its own
means: SQLite through its online backup API (a consistent copy while the server keeps
serving), PostgreSQL through `pg_dump` / `pg_restore` (custom format). A restore replaces
everything stored with the backup's content; the caller verifies the audit chain afterwards.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import make_url

from kilnguard.domain.errors import KilnguardError
from kilnguard.store import db

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupFailed(KilnguardError):
    """The backup or restore could not be made (nothing was changed by a failed restore of a
    SQLite database; `pg_restore` runs in one transaction)."""


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(db.normalise_url(url))
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupFailed("an in-memory SQLite database has nothing to back up")
    return Path(parsed.database)


def _pg_command(tool: str, url: str) -> tuple[list[str], dict[str, str]]:
    """`tool` with the connection of `url` (the password through the environment, never the
    command line)."""
    exe = shutil.which(tool)
    if exe is None:
        raise BackupFailed(f"{tool} is not installed: install the PostgreSQL client tools")
    u = make_url(db.normalise_url(url))
    args = [exe, "--host", u.host or "127.0.0.1", "--port", str(u.port or 5432)]
    if u.username:
        args += ["--username", u.username]
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    return [*args, "--no-password", "--dbname", str(u.database)], env


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tool = Path(args[0]).name
        raise BackupFailed(f"{tool} failed: {done.stderr.strip() or done.returncode}")


def backup(url: str, path: Path) -> None:
    """Write a consistent copy of the database at `url` to `path` (refuses to overwrite)."""
    if path.exists():
        raise BackupFailed(f"{path} exists: choose a new file (a backup never overwrites)")
    source = _sqlite_path(url)
    try:
        if source is not None:
            if not source.exists():
                raise BackupFailed(f"no database at {source}")
            with sqlite3.connect(source) as a, sqlite3.connect(path) as b:
                a.backup(b)
            return
        args, env = _pg_command("pg_dump", url)
        _run([*args, "--format=custom", "--no-owner", "--file", str(path)], env)
    except (OSError, sqlite3.Error) as exc:
        path.unlink(missing_ok=True)
        raise BackupFailed(f"cannot write the backup to {path}: {exc}") from exc


def restore(url: str, path: Path) -> None:
    """Replace the database at `url` with the backup at `path` (made by `backup` for the same
    kind of database). Stop the servers first: open sessions would see the database change."""
    try:
        magic = path.read_bytes()[:16]
    except OSError as exc:
        raise BackupFailed(f"cannot read the backup {path}: {exc.strerror or exc}") from exc
    target = _sqlite_path(url)
    if target is not None:
        if magic != SQLITE_MAGIC:
            raise BackupFailed(f"{path} is not a SQLite backup (made from PostgreSQL?)")
        db.engine_for.cache_clear()
        try:
            with sqlite3.connect(path) as a, sqlite3.connect(target) as b:
                a.backup(b)
        except sqlite3.Error as exc:
            raise BackupFailed(f"cannot restore {path}: {exc}") from exc
        return
    if not magic.startswith(PG_MAGIC):
        raise BackupFailed(f"{path} is not a pg_dump custom-format backup (made from SQLite?)")
    db.engine_for.cache_clear()
    args, env = _pg_command("pg_restore", url)
    _run([*args, "--clean", "--if-exists", "--no-owner", "--single-transaction", str(path)], env)
