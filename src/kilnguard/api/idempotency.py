"""The `Idempotency-Key` header, honoured on every POST (issue 15 point 2).

Pure ASGI middleware around the whole app: a POST carrying the header from an authenticated
caller is claimed in `services.idempotency` under (user, key) with the SHA-256 of its method,
path, query, content type and body. The first such request runs and its response is kept; a
repeat gets the kept response (header `Idempotent-Replayed: true`) and writes nothing; the same
key with another request is 422; a repeat while the first runs is 409. Requests without the
header, from a caller the app will refuse (401), or bundle uploads (a job is started, nothing
stored: its commit is the POST that writes) pass through untouched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from anyio import to_thread
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kilnguard.api.deps import credential_secret
from kilnguard.api.limits import limit_for
from kilnguard.clock import SYSTEM_CLOCK
from kilnguard.domain.errors import Conflict, KilnguardError, ValidationError
from kilnguard.services import idempotency
from kilnguard.services.auth import AuthenticationFailed, principal_for_secret
from kilnguard.services.uow import unit_of_work

T = TypeVar("T")

MAX_BODY = 32 * 1024 * 1024
"""Largest request body kept in memory to be hashed (above every upload limit; larger: 413)."""
MAX_KEPT = 1024 * 1024
"""Largest response kept for repeats; a larger one releases its key (a repeat runs again)."""


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


def _error(exc: KilnguardError) -> tuple[int, dict[str, Any]]:
    status = 422 if isinstance(exc, ValidationError) else 409 if isinstance(exc, Conflict) else 400
    return status, {"error": type(exc).__name__, "detail": exc.message}


class IdempotencyMiddleware:
    """Answer a repeated POST with the first one's response (see the module doc)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, b"idempotency-key") if scope["type"] == "http" else None
        secret = credential_secret(Request(scope)) if key is not None else None
        if (
            key is None
            or scope["method"] != "POST"
            or not secret
            or limit_for(scope["path"]) is None
        ):
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        engine, clock = state.engine, getattr(state, "clock", SYSTEM_CLOCK)

        def in_uow(fn: Callable[[Any], T], write: bool = True) -> Callable[[], T]:
            def run() -> T:
                with unit_of_work(engine, clock=clock, write=write) as session:
                    return fn(session)

            return run

        try:
            user = await to_thread.run_sync(
                lambda: (
                    principal_for_secret(
                        lambda: unit_of_work(engine, clock=clock), secret, now=clock.now()
                    ).username
                )
            )
        except AuthenticationFailed:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > MAX_BODY:
                await _send_json(
                    send, 413, {"error": "PayloadTooLarge", "detail": f"at most {MAX_BODY} bytes"}
                )
                return
        body = b"".join(chunks)
        digest = hashlib.sha256()
        for part in (scope["method"], scope["path"], scope.get("query_string", b"").decode()):
            digest.update(part.encode() + b"\0")
        digest.update((_header(scope, b"content-type") or "").encode() + b"\0" + body)
        try:
            stored = await to_thread.run_sync(
                in_uow(
                    lambda s: idempotency.claim(
                        s, username=user, key=key, request_sha256=digest.hexdigest()
                    )
                )
            )
        except KilnguardError as exc:
            await _send_json(send, *_error(exc))
            return
        if stored is not None:
            start = {"type": "http.response.start", "status": stored.status}
            await send({**start, "headers": stored.headers()})
            await send({"type": "http.response.body", "body": stored.body})
            return
        await self._first(scope, body, receive, send, user, key, in_uow)

    async def _first(
        self,
        scope: Scope,
        body: bytes,
        receive: Receive,
        send: Send,
        user: str,
        key: str,
        in_uow: Callable[..., Callable[[], Any]],
    ) -> None:
        """Run the request that claimed `key`, sending its response on. Its copy is kept (or
        the key released) before the last part of the body is sent, so a client that has the
        response and sends the request again gets the copy, never "still running"."""
        sent = settled = False
        response: dict[str, Any] = {"status": 500, "content_type": "", "body": []}

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()  # after the body: wait for the client to go
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def settle() -> None:
            nonlocal settled
            settled = True
            kept = b"".join(response["body"])
            if response["status"] < 500 and len(kept) <= MAX_KEPT:
                finish = lambda s: idempotency.finish(  # noqa: E731
                    s,
                    username=user,
                    key=key,
                    status=response["status"],
                    content_type=response["content_type"],
                    body=kept,
                )
                await to_thread.run_sync(in_uow(finish))
            else:
                release = lambda s: idempotency.release(s, username=user, key=key)  # noqa: E731
                await to_thread.run_sync(in_uow(release))

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                for name, value in message.get("headers", ()):
                    if name.lower() == b"content-type":
                        response["content_type"] = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                response["body"].append(message.get("body", b""))
                if not message.get("more_body", False):
                    await settle()
            await send(message)

        try:
            await self.app(scope, replay, keep)
        finally:
            if not settled:
                response["status"] = 500  # no whole response: a retry runs again
                await settle()
