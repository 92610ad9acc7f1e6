"""Bounded work per request (issue 15 point 3): bodies bounded while they are read, and
expensive routes limited per login.

Pure ASGI middleware: a body announced larger than its route's limit (`Content-Length`) is
refused with 413 before a byte is read; a body sent without a length is counted as it arrives
and refused the moment it passes the limit (the route sees the client gone and stops), so a
200 MB upload never reaches memory or disk. Evidence files may be `MAX_EVIDENCE_BYTES`; bundle
uploads count their own (larger) limit in `features.bundle.upload`; every other body (JSON,
forms) `MAX_BODY`.

`PerLoginLimit`: the routes that compute much (dashboards, rates, plans, investigation reports)
run at most `PER_LOGIN` at a time for one login (its session or token, per server process); one
more is refused with 429 and `Retry-After` at once, instead of one user's burst of reloads
queueing the server's threads for everyone.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kilnguard.api.deps import credential_secret
from kilnguard.services.change import MAX_EVIDENCE_BYTES

ENVELOPE = 64 * 1024
"""Room for the multipart envelope and form fields around an uploaded file [bytes]."""
MAX_BODY = 16 * 1024 * 1024
"""Largest JSON or form body (a batch of thousands of records is far smaller) [bytes]."""
EVIDENCE = re.compile(r"^(/api/v1)?/changes/[^/]+/evidence$")
BUNDLE = re.compile(r"^(/api/v1)?/bundle(/imports)?$")
EXPENSIVE = re.compile(
    r"^(/api/v1)?/(dashboards?(/.*)?|rates|plans?(/vs-actual)?|investigations/[^/]+/report.*)$"
)
"""GET routes that compute from a whole history (risk replays, plans, charts, PDF)."""
PER_LOGIN = 2
"""Expensive requests one login may have running at once (per server process)."""
RETRY_AFTER_S = 5


def limit_for(path: str) -> int | None:
    """The largest body the route at `path` accepts; None: the route counts its own."""
    if BUNDLE.match(path):
        return None
    if EVIDENCE.match(path):
        return MAX_EVIDENCE_BYTES + ENVELOPE
    return MAX_BODY


class BodyLimit:
    """Refuse a request body over its route's limit while reading it (see the module doc)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = limit_for(scope["path"]) if scope["type"] == "http" else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", ()))
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            await _too_large(send, limit)
            return
        total, refused, started = 0, False, False

        async def counted() -> Message:
            nonlocal total, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                total += len(message.get("body", b""))
                if total > limit:
                    refused = True
                    if not started:
                        await _too_large(send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 went out already: the route's own answer is dropped
            started = True
            await send(message)

        await self.app(scope, counted, guarded)


class PerLoginLimit:
    """At most `per_login` expensive requests at a time per login (see the module doc)."""

    def __init__(self, app: ASGIApp, per_login: int = PER_LOGIN) -> None:
        self.app = app
        self.per_login = per_login
        self.running: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        secret = None
        if scope["type"] == "http" and scope["method"] == "GET" and EXPENSIVE.match(scope["path"]):
            secret = credential_secret(Request(scope))
        if not secret:
            await self.app(scope, receive, send)
            return
        login = hashlib.sha256(secret.encode()).hexdigest()
        if self.running[login] >= self.per_login:  # checked and counted without an await
            detail = (
                f"at most {self.per_login} of these requests run at once for one login: wait "
                "for the ones running"
            )
            await _refuse(
                send,
                429,
                "TooManyRequests",
                detail,
                [(b"retry-after", str(RETRY_AFTER_S).encode())],
            )
            return
        self.running[login] += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.running[login] -= 1
            if not self.running[login]:
                del self.running[login]


async def _too_large(send: Send, limit: int) -> None:
    await _refuse(send, 413, "TooLarge", f"the request body is over {limit} bytes")


async def _refuse(
    send: Send,
    status: int,
    error: str,
    detail: str,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = json.dumps({"error": error, "detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
