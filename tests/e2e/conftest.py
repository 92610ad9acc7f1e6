"""Browser tests: Playwright for Python driving Debian's Chromium (/usr/bin/chromium), headless,
against a real uvicorn server on a free loopback port serving the demo database.

Each test module gets its own demo database and its own server, so a test that writes (sends a
bulletin, objects to a change) cannot change what another module sees, whatever the order or
the xdist worker the modules run on."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import uvicorn
from sqlalchemy import Engine

from kilnguard.api.app import create_app
from kilnguard.scenarios.demo import DEMO_PASSWORD
from kilnguard.services import uow as store_db
from tests.conftest import build_demo_database

CHROMIUM = os.environ.get("KILNGUARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def demo_engine(fresh_database_url: Callable[[], str]) -> Iterator[Engine]:
    """This module's own database holding the full demo region."""
    url = fresh_database_url()
    build_demo_database(url)
    engine = store_db.make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def live_server(demo_engine: Engine) -> Iterator[str]:
    """This module's own server over this module's own database."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(demo_engine), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("test server did not start within 20 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if shutil.which(CHROMIUM) is None and not os.path.exists(CHROMIUM):
        raise RuntimeError(
            f"Chromium not found at {CHROMIUM}: install Debian's package (apt-get install chromium); "
            ".ci/run does this"
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


@pytest.fixture
def login(page):  # type: ignore[no-untyped-def]
    """Log in through the real form as a demo user."""

    def do(username: str) -> None:
        page.goto("/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/kilns")

    return do
