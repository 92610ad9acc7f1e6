"""Configuration from `KILNGUARD_*` environment variables, with defaults for an offline plant."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE_FILE = "kilnguard.db"


def database_url() -> str:
    """`KILNGUARD_DATABASE_URL`, else a SQLite file `kilnguard.db` in the working directory."""
    url = os.environ.get("KILNGUARD_DATABASE_URL", "").strip()
    if url:
        return url
    return f"sqlite:///{Path.cwd() / DEFAULT_DATABASE_FILE}"


@dataclass(frozen=True)
class WebSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    session_hours: int = 12


def web_settings() -> WebSettings:
    return WebSettings(
        host=os.environ.get("KILNGUARD_HOST", "127.0.0.1"),
        port=int(os.environ.get("KILNGUARD_PORT", "8000")),
        session_hours=int(os.environ.get("KILNGUARD_SESSION_HOURS", "12")),
    )
