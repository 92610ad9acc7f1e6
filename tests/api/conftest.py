"""A served app for tests that need real sockets and real concurrency: uvicorn in a thread of
the test process, over the plant's database."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn

from kilnguard.api.app import create_app
from kilnguard.store import db as store_db
from kilnguard.store.alert_models import AlertRow
from tests.conftest import PASSWORD, Plant

N = 20


@dataclass
class Served:
    base: str

    def call(
        self, method: str, path: str, body: object, token: str | None = None, **headers: str
    ) -> tuple[int, bytes, dict[str, str]]:
        h = {"Content-Type": "application/json", **headers}
        if token:
            h["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(
            self.base + path, data=json.dumps(body).encode(), method=method, headers=h
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    def token(self, username: str) -> str:
        status, body, _ = self.call(
            "POST", "/api/v1/auth/token", {"username": username, "password": PASSWORD}
        )
        assert status == 200, body
        return str(json.loads(body)["token"])

    def at_once(self, path: str, body: object, token: str, n: int = N, **headers: str) -> list[int]:
        """`n` identical POSTs released together; their status codes."""
        codes: list[int] = []
        gate = threading.Barrier(n)

        def post() -> None:
            gate.wait()
            codes.append(self.call("POST", path, body, token, **headers)[0])

        threads = [threading.Thread(target=post) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return codes


@pytest.fixture
def served(plant: Plant) -> Iterator[Served]:
    """The app over the plant's database, served by uvicorn on a free port in this process."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(plant.engine), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield Served(f"http://127.0.0.1:{port}")
    server.should_exit = True
    thread.join(10)


def red_alert(plant: Plant) -> int:
    """A red alert on enterprise A's first kiln, open, as the evaluation job raises it."""
    with store_db.unit_of_work(plant.engine) as s:
        alert = AlertRow(
            enterprise_id=plant.ent_a,
            kiln_id=plant.kilns_a[0],
            level="red",
            raised_on=dt.date(2021, 9, 14),
            raised_at=dt.datetime(2021, 9, 14, 6, tzinfo=dt.UTC),
            summary="lining wear past 80 % of design life",
        )
        s.add(alert)
        s.flush()
        return alert.id
