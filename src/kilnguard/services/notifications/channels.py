"""Sending one outbox message on a channel: webhook (HTTP POST), MQTT (QoS 1), e-mail (SMTP).

No database here and nothing at import time: `open_sender(channel)` connects (every network call
has the channel's timeout), `send` delivers one message or raises, `close` lets go. Two failures:
`Unreachable` (the channel cannot be reached now: the caller stops using it for this round) and
`Rejected` (this message was refused, e.g. HTTP 500; the next message may still go through).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import smtplib
import ssl
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Protocol

from kilnguard import __version__
from kilnguard.config import Channel, EmailChannel, MqttChannel, WebhookChannel

SIGNATURE_HEADER = "X-Kilnguard-Signature"
MESSAGE_ID_HEADER = "X-Kilnguard-Message-Id"


class DeliveryFailed(Exception):
    """A message was not delivered (the text says why, for the attempt's record)."""


class Unreachable(DeliveryFailed):
    """The channel cannot be reached now (connection refused, timeout, broker down)."""


class Rejected(DeliveryFailed):
    """The channel answered but refused this message (HTTP status, SMTP refusal)."""


@dataclass(frozen=True)
class Outgoing:
    """One message as sent: its id, kind, subject and the JSON document (canonical text)."""

    message_id: str
    kind: str
    subject: str
    payload: str

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self.payload)
        return doc


class Sender(Protocol):
    def send(self, message: Outgoing) -> None: ...

    def close(self) -> None: ...


def signature(secret: str, body: bytes) -> str:
    """`sha256=<hex>`: HMAC-SHA256 of the exact request body with the shared secret."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _why(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:1000]


# ------------------------------------------------------------------------------- webhook
class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a delivery: urllib would re-send a POST as a bodiless
    GET, so the 3xx is reported (and retried) instead."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class WebhookSender:
    """POST the JSON document to the URL; any 2xx answer is a delivery."""

    def __init__(self, channel: WebhookChannel) -> None:
        self.channel = channel
        self.opener = urllib.request.build_opener(_NoRedirect())

    def send(self, message: Outgoing) -> None:
        body = message.payload.encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"kilnguard/{__version__}",
            MESSAGE_ID_HEADER: message.message_id,
            "X-Kilnguard-Kind": message.kind,
        }
        if self.channel.secret:
            headers[SIGNATURE_HEADER] = signature(self.channel.secret, body)
        request = urllib.request.Request(
            self.channel.url, data=body, headers=headers, method="POST"
        )
        try:
            with self.opener.open(request, timeout=self.channel.timeout_s) as response:
                response.read(65536)
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            raise Rejected(f"HTTP {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise Unreachable(_why(getattr(exc, "reason", exc))) from exc
        if not 200 <= status < 300:
            raise Rejected(f"HTTP {status}")

    def close(self) -> None:
        return None


# ---------------------------------------------------------------------------------- MQTT
class MqttSender:
    """One connection to the broker for the round; each message published with QoS 1 and
    waited for until the broker acknowledges it (PUBACK)."""

    def __init__(self, channel: MqttChannel) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        self.channel = channel
        self._connected = threading.Event()
        self._refused = ""
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=f"kilnguard-{uuid.uuid4().hex[:12]}",
            protocol=mqtt.MQTTv311,
            clean_session=True,
        )
        self.client.connect_timeout = channel.timeout_s
        if channel.username:
            self.client.username_pw_set(channel.username, channel.password or None)
        if channel.tls:
            self.client.tls_set_context(ssl.create_default_context())
        self.client.on_connect = self._on_connect
        try:
            self.client.connect(channel.host, channel.port, keepalive=60)
        except OSError as exc:
            raise Unreachable(_why(exc)) from exc
        self.client.loop_start()
        if not self._connected.wait(channel.timeout_s) or self._refused:
            self.close()
            raise Unreachable(self._refused or f"no answer from {channel.host}:{channel.port}")

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            self._refused = f"broker refused the connection: {reason}"
        self._connected.set()

    def send(self, message: Outgoing) -> None:
        info = self.client.publish(self.channel.topic, message.payload.encode("utf-8"), qos=1)
        try:
            info.wait_for_publish(self.channel.timeout_s)
        except (RuntimeError, ValueError) as exc:
            raise Unreachable(_why(exc)) from exc
        if not info.is_published():
            raise Unreachable(f"broker did not acknowledge within {self.channel.timeout_s:g} s")

    def close(self) -> None:
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()


# -------------------------------------------------------------------------------- e-mail
class EmailSender:
    """One SMTP session for the round; one e-mail per message to the configured addresses."""

    def __init__(self, channel: EmailChannel) -> None:
        self.channel = channel
        try:
            self.smtp = smtplib.SMTP(channel.host, channel.port, timeout=channel.timeout_s)
            if channel.starttls:
                self.smtp.starttls(context=ssl.create_default_context())
            if channel.username and channel.password:
                self.smtp.login(channel.username, channel.password)
        except (smtplib.SMTPException, OSError) as exc:
            raise Unreachable(_why(exc)) from exc

    def send(self, message: Outgoing) -> None:
        doc = message.document()
        mail = EmailMessage()
        mail["From"] = self.channel.sender
        mail["To"] = ", ".join(self.channel.to)
        mail["Subject"] = f"[kilnguard] {message.subject}"
        mail["Message-ID"] = f"<{message.message_id}@kilnguard>"
        mail[MESSAGE_ID_HEADER] = message.message_id
        mail["Date"] = format_datetime(dt.datetime.fromisoformat(doc["created_at"]))
        lines = [doc.get("body", "")]
        if doc.get("link"):
            lines += ["", f"Open in kilnguard: {doc['link']}"]
        lines += ["", f"Message id {message.message_id} ({doc.get('kind')} {doc.get('ref')})."]
        mail.set_content("\n".join(lines))
        try:
            self.smtp.send_message(mail)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
            raise Rejected(_why(exc)) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise Unreachable(_why(exc)) from exc

    def close(self) -> None:
        try:
            self.smtp.quit()
        except (smtplib.SMTPException, OSError):
            self.smtp.close()


def open_sender(channel: Channel) -> Sender:
    """A connected sender for `channel` (raises `Unreachable` when it cannot connect)."""
    if isinstance(channel, WebhookChannel):
        return WebhookSender(channel)
    if isinstance(channel, MqttChannel):
        return MqttSender(channel)
    return EmailSender(channel)
