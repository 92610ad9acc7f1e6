"""Browser security around every request: the CSRF guard and the security headers.

A state change (POST, PUT, PATCH, DELETE) that a browser could send with the session cookie is
accepted only when

* its `Origin` (or, without one, its `Referer`) is this server's own origin (or one of
  `KILNGUARD_ORIGINS`, for a proxy that changes `Host`) — a page on another site *or on another
  port of the same host* (which `SameSite=strict` lets through) is refused;
* and, when it carries the session cookie, it carries the session's CSRF token: the
  `X-CSRF-Token` header (htmx and `static/csrf.js` send it) or the form field `csrf_token`
  (every page form has it, so forms work without JavaScript).

The token is an HMAC of the session secret, so every server process derives the same token
without storing it, and it dies with the session. Calls with `Authorization: Bearer` are not
cookie-authenticated (a browser never adds that header to a cross-site request) and need no
token. Refusals are 403 before the route runs: nothing is read or written.

Every response gets a strict Content-Security-Policy (scripts and styles only from this server,
no inline script, no framing), `X-Frame-Options: DENY`, `X-Content-Type-Options: nosniff` and
`Referrer-Policy: same-origin`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import parse_qsl, urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kilnguard.api.deps import SESSION_COOKIE
from kilnguard.config import web_settings

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: A url-encoded form is read whole to find its token; page forms are far smaller [bytes].
MAX_FORM_BYTES = 1 << 20
#: A multipart body is read until its first file part or this many bytes [bytes]: the token
#: field comes before the file in every page form.
MAX_MULTIPART_PEEK = 256 * 1024

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SELF_CONTAINED_PAGE = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
    )
}
"""The CSP of a page meant to be saved as one file (the investigation report): its own
<style> and data: images, nothing else at all — no script, no request to anywhere."""
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)


def csrf_token(session_secret: str) -> str:
    """The CSRF token of the session whose cookie holds `session_secret`."""
    return hmac.new(session_secret.encode(), b"kilnguard csrf v1", hashlib.sha256).hexdigest()


def token_matches(session_secret: str, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(csrf_token(session_secret), str(sent))


def own_origin(scope: Scope, headers: Headers) -> str:
    """`scheme://host[:port]` as the browser addressed this server (the scheme as uvicorn saw
    it, which honours `X-Forwarded-Proto` from a trusted proxy)."""
    return f"{scope.get('scheme', 'http')}://{headers.get('host', '')}".lower()


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else url


def session_cookie(headers: Mapping[str, str]) -> str | None:
    """The session secret in a request's `Cookie` header, if any."""
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == SESSION_COOKIE and value:
            return value.strip('"')
    return None


class BrowserGuard:
    """ASGI middleware: refuse cross-site state changes, add the security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.origins = frozenset(web_settings().origins)  # public origins behind a proxy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_headers(send)
        if scope["method"] not in UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if headers.get("authorization", "").lower().startswith("bearer "):
            await self.app(scope, receive, send)
            return
        sender = headers.get("origin") or headers.get("referer")
        if sender is not None and _origin_of(sender) not in {
            own_origin(scope, headers),
            *self.origins,
        }:
            await _refuse(scope, send, "this form was sent from another site")
            return
        secret = session_cookie(headers)
        if secret is None:  # not cookie-authenticated: logging in, or the route answers 401
            await self.app(scope, receive, send)
            return
        if token_matches(secret, headers.get(CSRF_HEADER)):
            await self.app(scope, receive, send)
            return
        sent, replay = await _token_in_body(headers, receive)
        if not token_matches(secret, sent):
            await _refuse(scope, send, "the form's security token is missing or out of date")
            return
        await self.app(scope, replay, send)


def _with_headers(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {k.lower() for k, _ in message.get("headers", [])}
            extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
            message["headers"] = [*message.get("headers", []), *extra]
        await send(message)

    return sending


async def _refuse(scope: Scope, send: Send, why: str) -> None:
    """403 before the route runs; JSON under /api/, a short page otherwise."""
    detail = f"{why}: reload the page and try again"
    if scope["path"].startswith("/api/"):
        body = json.dumps({"error": "PermissionDenied", "detail": detail}).encode()
        kind = b"application/json"
    else:
        body = (
            "<!doctype html><title>Refused · kilnguard</title>"
            f"<h1>403 Forbidden</h1><p>{detail}.</p><p><a href='/'>kilnguard</a></p>"
        ).encode()
        kind = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _token_in_body(headers: Headers, receive: Receive) -> tuple[str | None, Receive]:
    """The `csrf_token` field of a form body, and a `receive` that replays what was read.

    A url-encoded form is read whole (bounded); a multipart form only up to its first file
    part, so an upload is not held in memory to find the token."""
    kind = headers.get("content-type", "").lower()
    if kind.startswith("application/x-www-form-urlencoded"):
        chunks, done = await _read(receive, lambda body: False, MAX_FORM_BYTES)
        body = b"".join(chunks)
        fields = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
        sent = next((v for k, v in fields if k == CSRF_FIELD), None)
        return sent, _replay(chunks, done, receive)
    if kind.startswith("multipart/form-data"):
        boundary = _boundary(headers.get("content-type", ""))
        if boundary is None:
            return None, receive
        chunks, done = await _read(
            receive, lambda body: _multipart_token(body, boundary)[1], MAX_MULTIPART_PEEK
        )
        sent, _ = _multipart_token(b"".join(chunks), boundary)
        return sent, _replay(chunks, done, receive)
    return None, receive


async def _read(
    receive: Receive, decided: Callable[[bytes], bool], limit: int
) -> tuple[list[bytes], bool]:
    """Body chunks until `decided(body so far)`, the end of the body or `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return chunks, True
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return chunks, True
        if size >= limit or decided(b"".join(chunks)):
            return chunks, False


def _replay(chunks: Iterable[bytes], done: bool, receive: Receive) -> Receive:
    """A `receive` giving the chunks already read as one message, then the rest of the body."""
    pending = [b"".join(chunks)]

    async def replaying() -> Message:
        if pending:
            return {"type": "http.request", "body": pending.pop(), "more_body": not done}
        return await receive()

    return replaying


def _boundary(content_type: str) -> bytes | None:
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "boundary" and value:
            return value.strip().strip('"').encode("latin-1")
    return None


def _multipart_token(body: bytes, boundary: bytes) -> tuple[str | None, bool]:
    """(the `csrf_token` field's value if seen, whether reading further cannot change that):
    parts are scanned in order until the token, a file part or the end of what was read."""
    parts = body.split(b"--" + boundary)[1:]
    for i, part in enumerate(parts):
        head, sep, rest = part.partition(b"\r\n\r\n")
        if not sep:
            return None, False  # this part's headers are not complete yet
        if b"filename=" in head.lower():
            return None, True
        if f'name="{CSRF_FIELD}"'.encode() in head:
            if i == len(parts) - 1:
                return None, False  # its value may go on in the next chunk
            return rest.removesuffix(b"\r\n").decode("latin-1"), True
    return None, False
