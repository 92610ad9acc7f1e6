"""Real local peers for the notification tests: an HTTP server (the plant's webhook receiver),
a subscriber on the machine's Mosquitto broker, and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

BROKER = ("127.0.0.1", 1883)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------------------- webhook
@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self.body)
        return doc


@dataclass
class WebhookSink:
    """A webhook receiver on 127.0.0.1:`port`; `status` is what it answers; it can be stopped
    (connection refused) and started again on the same port."""

    port: int
    status: int = 200
    received: list[Received] = field(default_factory=list)
    hold: threading.Event | None = None  # when set, the handler waits for it before answering
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/kilnguard"

    def start(self) -> None:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                sink.received.append(Received(self.path, dict(self.headers.items()), body))
                if sink.hold is not None:
                    sink.hold.wait(10)
                self.send_response(sink.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture(name="webhook")
def webhook_fixture() -> Iterator[WebhookSink]:
    sink = WebhookSink(free_port())
    sink.start()
    yield sink
    sink.stop()


# ---------------------------------------------------------------------------------- MQTT
@dataclass
class MqttSubscriber:
    topic: str
    messages: list[bytes] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        return f"mqtt://{BROKER[0]}:{BROKER[1]}/{self.topic}"

    def wait_for(self, n: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= n, timeout)
        return [json.loads(m) for m in self.messages]


def broker_reachable() -> bool:
    try:
        with socket.create_connection(BROKER, timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(name="mqtt_subscriber")
def mqtt_subscriber_fixture() -> Iterator[MqttSubscriber]:
    """A real subscriber (QoS 1) on a topic of its own on the machine's Mosquitto."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    if not broker_reachable():  # a failure, never a skip: .ci/run starts the broker
        pytest.fail("no MQTT broker on 127.0.0.1:1883: start mosquitto (apt-get install mosquitto)")
    sub = MqttSubscriber(f"kilnguard-test/{uuid.uuid4().hex}/alerts")
    subscribed = threading.Event()
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=f"kg-test-{uuid.uuid4().hex[:8]}",
        protocol=mqtt.MQTTv311,
    )

    def on_connect(c: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        c.subscribe(sub.topic, qos=1)

    def on_subscribe(c: Any, userdata: Any, mid: Any, reasons: Any, props: Any) -> None:
        subscribed.set()

    def on_message(c: Any, userdata: Any, msg: Any) -> None:
        with sub.arrived:
            sub.messages.append(bytes(msg.payload))
            sub.arrived.notify_all()

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    client.connect(*BROKER, keepalive=30)
    client.loop_start()
    assert subscribed.wait(10), "the test subscriber could not subscribe"
    yield sub
    client.disconnect()
    client.loop_stop()


# -------------------------------------------------------------------------------- e-mail
@dataclass
class SmtpSink:
    port: int
    envelopes: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture(name="smtp_server")
def smtp_server_fixture() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1, keeping what it receives."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink(free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()
