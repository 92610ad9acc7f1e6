"""Bounded work (issue 15 point 3): an evidence upload announced or sent past its limit, or an
oversized JSON body, is refused with 413 before it is read whole; expensive routes run a few at
a time per login."""

from __future__ import annotations

import contextlib
import socket
import threading
from urllib.parse import urlsplit

import anyio
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kilnguard.api.limits import ENVELOPE, MAX_BODY, PerLoginLimit
from kilnguard.services.change import MAX_EVIDENCE_BYTES
from tests.api.conftest import Served

MB = 1024 * 1024


def answer_to_headers(served: Served, path: str, content_type: str, length: int) -> bytes:
    """The first bytes of the answer to a POST of which only the headers are sent."""
    url = urlsplit(served.base)
    with socket.create_connection((url.hostname, url.port), timeout=10) as s:
        s.sendall(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n"
            f"Authorization: Bearer {served.token('mgr_a')}\r\n"
            f"Content-Length: {length}\r\n\r\n".encode()
        )
        return s.recv(100)


def test_bodies_announced_over_the_limit_are_refused_before_they_are_sent(
    served: Served,
) -> None:
    """Only the headers are sent: the answer comes without a byte of the body."""
    evidence = answer_to_headers(
        served, "/api/v1/changes/1/evidence", "multipart/form-data; boundary=b", 200 * MB
    )
    assert evidence.startswith(b"HTTP/1.1 413")
    records = answer_to_headers(served, "/api/v1/shifts", "application/json", MAX_BODY + 1)
    assert records.startswith(b"HTTP/1.1 413")


def test_a_chunked_upload_is_answered_413_as_soon_as_it_passes_the_limit(served: Served) -> None:
    """Sent 1 MB at a time without a length: the 413 arrives while the client is still
    sending, a few MB past the limit, not after 200 MB."""
    url = urlsplit(served.base)
    part = b'--b\r\nContent-Disposition: form-data; name="file"; filename="scan.pdf"\r\n\r\n'
    with socket.create_connection((url.hostname, url.port), timeout=10) as s:
        s.sendall(
            b"POST /api/v1/changes/1/evidence HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Bearer " + served.token("mgr_a").encode() + b"\r\n"
            b"Content-Type: multipart/form-data; boundary=b\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        s.sendall(b"%x\r\n%s\r\n" % (len(part), part))
        sent, answer = 0, b""
        while sent < 200 * MB and not answer:
            s.sendall(b"%x\r\n%s\r\n" % (MB, b"x" * MB))
            sent += MB
            s.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                answer = s.recv(100)
            s.setblocking(True)
    assert answer.startswith(b"HTTP/1.1 413")
    assert sent < MAX_EVIDENCE_BYTES + ENVELOPE + 8 * MB


def test_a_login_runs_two_expensive_requests_at_once_and_the_third_waits_its_turn() -> None:
    """Five concurrent loads of the rates by one login: two run, three get 429 with Retry-After;
    another login is not held up, and cheap routes are never limited."""
    inner = FastAPI()

    @inner.get("/api/v1/rates")
    async def rates() -> dict[str, str]:
        await anyio.sleep(0.5)
        return {}

    @inner.get("/api/v1/kilns")
    async def kilns() -> list[str]:
        await anyio.sleep(0.5)
        return []

    inner.add_middleware(PerLoginLimit)
    codes: dict[str, list[int]] = {"a": [], "b": [], "cheap": []}
    with TestClient(inner) as client:

        def get(path: str, token: str, into: str) -> None:
            r = client.get(path, headers={"Authorization": f"Bearer {token}"})
            codes[into].append(r.status_code)
            if r.status_code == 429:
                assert r.headers["retry-after"] == "5"

        jobs = [("/api/v1/rates", "a", "a")] * 5 + [("/api/v1/rates", "b", "b")]
        jobs += [("/api/v1/kilns", "a", "cheap")] * 4
        threads = [threading.Thread(target=get, args=job) for job in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(codes["a"]) == [200, 200, 429, 429, 429]
    assert codes["b"] == [200] and codes["cheap"] == [200] * 4
