"""Notifications (issue 19 point 4): the inbox per user (tenancy, idempotent notify, read
marks), alerts raised and escalated reach their people, and the outbox delivers at least once
to real local peers: an HTTP webhook receiver, a subscriber on the machine's Mosquitto, an
aiosmtpd SMTP server; a failing webhook is retried with backoff and delivered when it is back."""

from __future__ import annotations

import datetime as dt
import email
import hashlib
import hmac
import threading

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kilnguard import config
from kilnguard.clock import FixedClock
from kilnguard.domain.errors import NotFound, ValidationError
from kilnguard.services import alerts as al
from kilnguard.services import notifications as nt
from kilnguard.services.access import SYSTEM
from kilnguard.services.notifications import alert_notices
from kilnguard.store import models as m
from kilnguard.store.db import unit_of_work
from kilnguard.store.notification_models import OutboxMessageRow
from tests.conftest import Plant
from tests.services.notification_peers import (  # noqa: F401  (fixtures)
    MqttSubscriber,
    SmtpSink,
    WebhookSink,
    free_port,
    mqtt_subscriber_fixture,
    smtp_server_fixture,
    webhook_fixture,
)
from tests.services.test_alerts import CFG, LAST, R, scripted

T0 = dt.datetime(2021, 11, 24, 12, tzinfo=dt.UTC)
NONE: tuple[config.Channel, ...] = ()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture(autouse=True)
def _no_channels_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "KILNGUARD_WEBHOOK_URL",
        "KILNGUARD_WEBHOOK_SECRET",
        "KILNGUARD_MQTT_URL",
        "KILNGUARD_SMTP_HOST",
        "KILNGUARD_SMTP_PORT",
        "KILNGUARD_SMTP_FROM",
        "KILNGUARD_SMTP_TO",
        "KILNGUARD_NOTIFY_TIMEOUT_S",
        "KILNGUARD_NOTIFY_RETRY_S",
        "KILNGUARD_NOTIFY_RETRY_MAX_S",
    ):
        monkeypatch.delenv(name, raising=False)


def notify_about(
    engine: Engine,
    clock: FixedClock,
    enterprise_id: int,
    users: list[str],
    ref: str = "alert:1",
    channels: tuple[config.Channel, ...] | None = NONE,
) -> nt.Notified:
    with unit_of_work(engine, clock=clock) as s:
        return nt.notify(
            s,
            enterprise_id=enterprise_id,
            subject="RED risk alert: K-1, A Cement",
            body="Production at 2.5× rating for a week.",
            users=users,
            kind="alert.raised",
            ref=ref,
            link="/alerts#alert-1",
            data={"kiln": "K-1"},
            channels=channels,
        )


def deliver(
    engine: Engine, clock: FixedClock, channels: tuple[config.Channel, ...] | None
) -> nt.DeliveryReport:
    with unit_of_work(engine, clock=clock) as s:
        return nt.deliver_pending(s, channels=channels)


def states(engine: Engine, ref: str | None = None) -> list[nt.MessageState]:
    with unit_of_work(engine) as s:
        return nt.messages(s, ref=ref)


# ----------------------------------------------------------------------------------- inbox
def test_notify_writes_one_entry_per_named_user_and_is_idempotent(
    plant: Plant, clock: FixedClock
) -> None:
    made = notify_about(plant.engine, clock, plant.ent_a, ["mgr_a", "safety_a", "no-such-user"])
    assert made == nt.Notified(inbox=2, outbox=0)  # unknown names are skipped
    again = notify_about(plant.engine, clock, plant.ent_a, ["mgr_a", "safety_a", "op_a"])
    assert again == nt.Notified(inbox=1, outbox=0)  # only op_a is new
    assert notify_about(plant.engine, clock, plant.ent_a, ["mgr_a"]) == nt.Notified(0, 0)
    with unit_of_work(plant.engine) as s:
        [entry] = nt.inbox(s, plant.users["mgr_a"])
        assert (entry.kind, entry.ref, entry.created_at, entry.read_at) == (
            "alert.raised",
            "alert:1",
            T0,
            None,
        )
        assert entry.subject.startswith("RED") and entry.link == "/alerts#alert-1"
        audited = s.scalars(
            select(m.AuditEntry.action).where(m.AuditEntry.entity == "inbox_entry")
        ).all()
        assert audited == ["notify"] * 3


def test_a_user_sees_and_marks_only_their_own_entries(plant: Plant, clock: FixedClock) -> None:
    notify_about(plant.engine, clock, plant.ent_a, ["mgr_a"], ref="alert:1")
    notify_about(plant.engine, clock, plant.ent_a, ["mgr_a", "safety_a"], ref="alert:2")
    notify_about(plant.engine, clock, plant.ent_b, ["op_b"], ref="alert:3")
    mgr, safety, op_b = (plant.users[n] for n in ("mgr_a", "safety_a", "op_b"))
    with unit_of_work(plant.engine, clock=clock) as s:
        assert [e.ref for e in nt.inbox(s, mgr)] == ["alert:2", "alert:1"]  # newest first
        assert [e.ref for e in nt.inbox(s, safety)] == ["alert:2"]
        assert [e.ref for e in nt.inbox(s, op_b)] == ["alert:3"]
        assert nt.inbox(s, plant.users["op_a"]) == []
        assert nt.inbox(s, plant.users["reg"]) == []  # a regulator reads A, but was not named
        assert nt.unread_count(s, mgr) == 2
        theirs = nt.inbox(s, op_b)[0].id
        safety_entry = nt.inbox(s, safety)[0].id
    # Nobody can mark (or learn of) another user's entry: 404, like a missing one.
    with pytest.raises(NotFound), unit_of_work(plant.engine, clock=clock) as s:
        nt.mark_read(s, mgr, theirs)
    with pytest.raises(NotFound), unit_of_work(plant.engine, clock=clock) as s:
        nt.mark_read(s, mgr, safety_entry)  # same ref, same enterprise, still not theirs
    with pytest.raises(ValidationError), unit_of_work(plant.engine, clock=clock) as s:
        nt.mark_read(s, mgr, "some")  # type: ignore[arg-type]
    clock.advance(dt.timedelta(minutes=5))
    with unit_of_work(plant.engine, clock=clock) as s:
        newest = nt.inbox(s, mgr)[0].id
        assert nt.mark_read(s, mgr, newest) == 1
        assert nt.mark_read(s, mgr, newest) == 0  # already read
        assert [e.ref for e in nt.inbox(s, mgr, unread_only=True)] == ["alert:1"]
        assert nt.inbox(s, mgr)[0].read_at == T0 + dt.timedelta(minutes=5)
        assert nt.unread_count(s, safety) == 1  # the same notice, still unread for safety_a
        assert nt.mark_read(s, mgr, nt.ALL) == 1
        assert nt.unread_count(s, mgr) == 0 and nt.unread_count(s, op_b) == 1


def test_entries_of_an_enterprise_a_user_left_are_no_longer_shown(
    plant: Plant, clock: FixedClock
) -> None:
    notify_about(plant.engine, clock, plant.ent_b, ["mgr_a"], ref="alert:9")  # not mgr_a's plant
    with unit_of_work(plant.engine) as s:
        assert nt.inbox(s, plant.users["mgr_a"]) == []
        assert nt.unread_count(s, plant.users["mgr_a"]) == 0


# ----------------------------------------------------------------------- alerts reach people
@pytest.fixture
def red_alert_a(plant: Plant, monkeypatch: pytest.MonkeyPatch) -> int:
    scripted(monkeypatch, plant, plant.kilns_a[0], [R, R])
    with unit_of_work(plant.engine) as s:
        [a] = al.evaluate(s, SYSTEM, LAST).raised
        return a.id


def test_a_raised_alert_reaches_the_enterprises_managers_and_safety_officers(
    plant: Plant, red_alert_a: int
) -> None:
    with unit_of_work(plant.engine) as s:
        for name in ("mgr_a", "safety_a"):
            [e] = nt.inbox(s, plant.users[name])
            assert (e.kind, e.ref) == (alert_notices.RAISED, f"alert:{red_alert_a}")
            assert e.subject == "RED risk alert: K-1, A Cement"
            assert e.link == f"/alerts#alert-{red_alert_a}"
            a = al.get_alert(s, SYSTEM, red_alert_a)
            assert e.created_at == a.raised_at and a.summary in e.body
        for name in ("op_a", "maint_a", "lead_a", "op_b", "reg"):
            assert nt.inbox(s, plant.users[name]) == [], name
        # evaluating again raises nothing and notifies nobody again
        assert al.evaluate(s, SYSTEM, LAST).raised == []
        assert nt.unread_count(s, plant.users["mgr_a"]) == 1


def test_escalations_reach_the_users_they_record_once_each(plant: Plant, red_alert_a: int) -> None:
    with unit_of_work(plant.engine) as s:
        t0 = al.get_alert(s, SYSTEM, red_alert_a).raised_at
        [e1] = al.escalate(s, t0 + dt.timedelta(hours=4), CFG)
        [e2] = al.escalate(s, t0 + dt.timedelta(hours=24), CFG)
        assert al.escalate(s, t0 + dt.timedelta(days=3), CFG) == []
        assert (e1.notified, e2.notified) == ("mgr_a", "reg")
        kinds = [(e.kind, e.ref, e.created_at) for e in nt.inbox(s, plant.users["mgr_a"])]
        assert kinds == [
            (alert_notices.ESCALATED, f"alert:{red_alert_a}:level:1", t0 + dt.timedelta(hours=4)),
            (alert_notices.RAISED, f"alert:{red_alert_a}", t0),
        ]
        [reg] = nt.inbox(s, plant.users["reg"])
        assert reg.ref == f"alert:{red_alert_a}:level:2" and "regulators" in reg.body
        assert nt.inbox(s, plant.users["reg_other"]) == []
        assert [e.kind for e in nt.inbox(s, plant.users["safety_a"])] == [alert_notices.RAISED]


def test_alert_notices_go_to_the_configured_channels_too(
    plant: Plant, red_alert_a: int, monkeypatch: pytest.MonkeyPatch, webhook: WebhookSink
) -> None:
    with unit_of_work(plant.engine) as s:  # raised before any channel was configured
        assert nt.messages(s) == []
    monkeypatch.setenv("KILNGUARD_WEBHOOK_URL", webhook.url)
    with unit_of_work(plant.engine) as s:
        t0 = al.get_alert(s, SYSTEM, red_alert_a).raised_at
        al.escalate(s, t0 + dt.timedelta(hours=4), CFG)
    with unit_of_work(plant.engine) as s:
        report = nt.deliver_pending(s)
    assert report.attempted == 1 and not report.failed
    [got] = webhook.received
    doc = got.json()
    assert doc["kind"] == "alert.escalated" and doc["recipients"] == ["mgr_a"]
    assert doc["data"]["alert_id"] == red_alert_a and doc["data"]["escalation_level"] == 1
    assert doc["data"]["kiln"] == "K-1" and doc["data"]["level"] == "red"


# ---------------------------------------------------------------------------------- outbox
def test_webhook_delivery_is_signed_recorded_and_not_repeated(
    plant: Plant, clock: FixedClock, webhook: WebhookSink
) -> None:
    hook = (config.WebhookChannel(webhook.url, secret="plant-secret", timeout_s=5),)
    made = notify_about(plant.engine, clock, plant.ent_a, ["mgr_a", "safety_a"], channels=hook)
    assert made == nt.Notified(inbox=2, outbox=1)
    assert notify_about(plant.engine, clock, plant.ent_a, ["mgr_a"], channels=hook).outbox == 0
    report = deliver(plant.engine, clock, hook)
    [state] = states(plant.engine)
    assert report.delivered == [state.message_id] and report.failed == {}
    [got] = webhook.received
    assert got.path == "/hooks/kilnguard"
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-Kilnguard-Message-Id"] == state.message_id
    expected = hmac.new(b"plant-secret", got.body, hashlib.sha256).hexdigest()
    assert got.headers["X-Kilnguard-Signature"] == f"sha256={expected}"
    doc = got.json()
    assert doc == state.document
    assert doc["message_id"] == state.message_id
    assert (doc["kind"], doc["ref"], doc["enterprise_id"]) == (
        "alert.raised",
        "alert:1",
        plant.ent_a,
    )
    assert doc["recipients"] == ["mgr_a", "safety_a"] and doc["data"] == {"kiln": "K-1"}
    assert doc["created_at"] == T0.isoformat()
    assert (state.status, state.attempts, state.delivered_at) == ("delivered", 1, T0)
    assert state.history == [(1, "delivered", "")]
    assert deliver(plant.engine, clock, hook).attempted == 0  # delivered once, never again
    assert len(webhook.received) == 1


def test_a_failing_webhook_is_retried_with_backoff_and_delivered_when_it_is_back(
    plant: Plant, clock: FixedClock, webhook: WebhookSink
) -> None:
    hook = (config.WebhookChannel(webhook.url, timeout_s=5),)
    notify_about(plant.engine, clock, plant.ent_a, ["mgr_a"], channels=hook)
    webhook.status = 503
    report = deliver(plant.engine, clock, hook)
    [s1] = states(plant.engine)
    assert report.failed == {s1.message_id: "HTTP 503 Service Unavailable"}
    assert (s1.status, s1.attempts, s1.next_attempt_at) == (
        "pending",
        1,
        T0 + dt.timedelta(seconds=30),
    )
    assert deliver(plant.engine, clock, hook).attempted == 0  # not due before the backoff
    webhook.stop()  # now the receiver is down: connection refused
    clock.advance(dt.timedelta(seconds=30))
    report = deliver(plant.engine, clock, hook)
    [s2] = states(plant.engine)
    assert s2.attempts == 2 and "refused" in report.failed[s2.message_id].lower()
    assert s2.next_attempt_at == clock.now() + dt.timedelta(seconds=60)  # doubled
    webhook.status = 200
    webhook.start()  # back, on the same address
    clock.advance(dt.timedelta(seconds=60))
    report = deliver(plant.engine, clock, hook)
    [s3] = states(plant.engine)
    assert report.delivered == [s3.message_id]
    assert (s3.status, s3.attempts, s3.delivered_at) == ("delivered", 3, clock.now())
    assert [(n, st) for n, st, _ in s3.history] == [
        (1, "failed"),
        (2, "failed"),
        (3, "delivered"),
    ]
    assert s3.history[0][2] == "HTTP 503 Service Unavailable" and s3.history[1][2]
    ids = {r.headers["X-Kilnguard-Message-Id"] for r in webhook.received}
    assert ids == {s3.message_id} and len(webhook.received) == 2  # the 503 one and the good one
    with unit_of_work(plant.engine) as s:
        audited = s.scalars(
            select(m.AuditEntry.action)
            .where(m.AuditEntry.entity == "delivery_attempt")
            .order_by(m.AuditEntry.seq)
        ).all()
    assert audited == ["delivery_failed", "delivery_failed", "deliver"]


def test_a_redirect_is_not_taken_for_a_delivery(
    plant: Plant, clock: FixedClock, webhook: WebhookSink
) -> None:
    """urllib would follow a 302 with a bodiless GET: the answer is recorded as a failure."""
    hook = (config.WebhookChannel(webhook.url, timeout_s=5),)
    notify_about(plant.engine, clock, plant.ent_a, ["mgr_a"], channels=hook)
    webhook.status = 302
    report = deliver(plant.engine, clock, hook)
    assert list(report.failed.values()) == ["HTTP 302 Found"] and len(webhook.received) == 1
    assert [s.status for s in states(plant.engine)] == ["pending"]


def test_backoff_doubles_up_to_the_configured_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    from kilnguard.services.notifications.outbox import backoff

    monkeypatch.setenv("KILNGUARD_NOTIFY_RETRY_S", "10")
    monkeypatch.setenv("KILNGUARD_NOTIFY_RETRY_MAX_S", "60")
    retry = config.retry_settings()
    assert [backoff(n, retry).total_seconds() for n in range(1, 7)] == [10, 20, 40, 60, 60, 60]


def test_a_send_whose_record_is_lost_is_sent_again_with_the_same_message_id(
    plant: Plant, clock: FixedClock, webhook: WebhookSink
) -> None:
    """At least once: a crash between the send and the commit of its record sends it twice;
    the receiver tells the two apart by the message id."""
    hook = (config.WebhookChannel(webhook.url, timeout_s=5),)
    notify_about(plant.engine, clock, plant.ent_a, ["mgr_a"], channels=hook)
    with pytest.raises(RuntimeError), unit_of_work(plant.engine, clock=clock) as s:
        assert len(nt.deliver_pending(s, channels=hook).delivered) == 1
        raise RuntimeError("the process died before the unit of work committed")
    [lost] = states(plant.engine)
    assert (lost.status, lost.attempts, lost.history) == ("pending", 0, [])  # never lost
    assert deliver(plant.engine, clock, hook).delivered == [lost.message_id]
    first, second = webhook.received
    assert first.body == second.body  # the same document, the same message id


def test_an_unreachable_channel_is_tried_once_per_round_and_the_rest_wait(
    plant: Plant, clock: FixedClock
) -> None:
    down = (config.mqtt_channel(f"mqtt://127.0.0.1:{free_port()}/plant/alerts", timeout_s=2),)
    for ref in ("alert:1", "alert:2", "alert:3"):
        notify_about(plant.engine, clock, plant.ent_a, ["mgr_a"], ref=ref, channels=down)
    report = deliver(plant.engine, clock, down)
    assert (len(report.failed), report.deferred, report.delivered) == (1, 2, [])
    assert [s.attempts for s in states(plant.engine)] == [1, 0, 0]
    assert "refused" in next(iter(report.failed.values())).lower()


def test_messages_wait_for_a_channel_that_is_no_longer_configured(
    plant: Plant, clock: FixedClock, webhook: WebhookSink
) -> None:
    hook = (config.WebhookChannel(webhook.url, timeout_s=5),)
    notify_about(plant.engine, clock, plant.ent_a, ["mgr_a"], channels=hook)
    assert deliver(plant.engine, clock, ()).attempted == 0
    assert deliver(plant.engine, clock, None).attempted == 0  # nothing in the environment
    assert [s.status for s in states(plant.engine)] == ["pending"]
    assert deliver(plant.engine, clock, hook).attempted == 1


def test_mqtt_delivery_reaches_a_real_subscriber_with_qos_1(
    plant: Plant, clock: FixedClock, mqtt_subscriber: MqttSubscriber
) -> None:
    channel = (config.mqtt_channel(mqtt_subscriber.url, timeout_s=5),)
    notify_about(plant.engine, clock, plant.ent_a, ["mgr_a"], ref="alert:1", channels=channel)
    notify_about(plant.engine, clock, plant.ent_a, ["mgr_a"], ref="alert:2", channels=channel)
    report = deliver(plant.engine, clock, channel)
    assert len(report.delivered) == 2 and not report.failed
    docs = mqtt_subscriber.wait_for(2)
    assert sorted(d["ref"] for d in docs) == ["alert:1", "alert:2"]
    assert {d["message_id"] for d in docs} == set(report.delivered)
    assert [s.status for s in states(plant.engine)] == ["delivered", "delivered"]


def test_email_delivery_through_a_real_smtp_server(
    plant: Plant, clock: FixedClock, smtp_server: SmtpSink
) -> None:
    channel = (
        config.EmailChannel(
            host="127.0.0.1",
            port=smtp_server.port,
            sender="kilnguard@plant.example",
            to=("control-room@plant.example", "safety@plant.example"),
            timeout_s=5,
        ),
    )
    notify_about(plant.engine, clock, plant.ent_a, ["mgr_a"], channels=channel)
    report = deliver(plant.engine, clock, channel)
    [state] = states(plant.engine)
    assert report.delivered == [state.message_id]
    [env] = smtp_server.envelopes
    assert env.mail_from == "kilnguard@plant.example"
    assert env.rcpt_tos == ["control-room@plant.example", "safety@plant.example"]
    mail = email.message_from_bytes(env.content)
    assert mail["Subject"] == "[kilnguard] RED risk alert: K-1, A Cement"
    assert mail["Message-ID"] == f"<{state.message_id}@kilnguard>"
    assert mail["X-Kilnguard-Message-Id"] == state.message_id
    text = mail.get_payload(decode=True).decode()
    assert "Production at 2.5× rating" in text and "/alerts#alert-1" in text


def test_every_channel_configured_by_environment_variables(
    plant: Plant,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    webhook: WebhookSink,
    mqtt_subscriber: MqttSubscriber,
    smtp_server: SmtpSink,
) -> None:
    monkeypatch.setenv("KILNGUARD_WEBHOOK_URL", webhook.url)
    monkeypatch.setenv("KILNGUARD_MQTT_URL", mqtt_subscriber.url)
    monkeypatch.setenv("KILNGUARD_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KILNGUARD_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("KILNGUARD_SMTP_FROM", "kilnguard@plant.example")
    monkeypatch.setenv("KILNGUARD_SMTP_TO", "control-room@plant.example")
    monkeypatch.setenv("KILNGUARD_NOTIFY_TIMEOUT_S", "5")
    assert [c.name for c in config.notification_channels()] == ["webhook", "mqtt", "email"]
    made = notify_about(plant.engine, clock, plant.ent_a, ["mgr_a"], channels=None)
    assert made == nt.Notified(inbox=1, outbox=3)
    report = deliver(plant.engine, clock, None)
    assert len(report.delivered) == 3 and not report.failed
    assert len(webhook.received) == 1 and len(smtp_server.envelopes) == 1
    assert len(mqtt_subscriber.wait_for(1)) == 1
    assert {s.channel: s.status for s in states(plant.engine)} == {
        "email": "delivered",
        "mqtt": "delivered",
        "webhook": "delivered",
    }


@pytest.mark.postgresql_only  # row claims (FOR UPDATE SKIP LOCKED); SQLite runs one worker
def test_two_workers_never_take_the_same_message_on_postgresql(
    plant: Plant, clock: FixedClock, webhook: WebhookSink
) -> None:
    hook = (config.WebhookChannel(webhook.url, timeout_s=10),)
    notify_about(plant.engine, clock, plant.ent_a, ["mgr_a"], channels=hook)
    webhook.hold = threading.Event()
    first: list[nt.DeliveryReport] = []
    worker = threading.Thread(target=lambda: first.append(deliver(plant.engine, clock, hook)))
    worker.start()
    try:
        for _ in range(100):  # the first worker is sending (and holds the claim)
            if webhook.received:
                break
            threading.Event().wait(0.05)
        assert webhook.received
        assert deliver(plant.engine, clock, hook).attempted == 0  # skipped, not waited for
    finally:
        webhook.hold.set()
        worker.join(15)
    assert first[0].attempted == 1 and len(webhook.received) == 1


# ---------------------------------------------------------------------------------- config
def test_channels_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert config.notification_channels() == ()
    monkeypatch.setenv(
        "KILNGUARD_MQTT_URL", "mqtts://kg:p%40ss@broker.plant:8884/plant/kilns/alerts"
    )
    [mq] = config.notification_channels()
    assert mq == config.MqttChannel(
        host="broker.plant",
        port=8884,
        topic="plant/kilns/alerts",
        username="kg",
        password="p@ss",
        tls=True,
    )
    assert config.mqtt_channel("mqtt://localhost/t").port == 1883
    for bad in ("http://x/t", "mqtt://host:1883/", "mqtt://host/a/#"):
        with pytest.raises(ValueError):
            config.mqtt_channel(bad)
    monkeypatch.setenv("KILNGUARD_SMTP_HOST", "smtp.plant")
    with pytest.raises(ValueError, match="KILNGUARD_SMTP_FROM"):
        config.notification_channels()
    monkeypatch.setenv("KILNGUARD_WEBHOOK_URL", "ftp://nope")
    with pytest.raises(ValueError, match="KILNGUARD_WEBHOOK_URL"):
        config.notification_channels()


def test_outbox_rows_are_unique_per_channel_kind_and_ref(plant: Plant, session: Session) -> None:
    """The table itself refuses a second message for the same (channel, kind, ref)."""
    from sqlalchemy.exc import IntegrityError

    def row(message_id: str) -> OutboxMessageRow:
        return OutboxMessageRow(
            enterprise_id=plant.ent_a,
            message_id=message_id,
            channel="webhook",
            kind="alert.raised",
            ref="alert:1",
            subject="s",
            payload="{}",
            status="pending",
            attempts=0,
            created_at=T0,
            next_attempt_at=T0,
            last_error="",
        )

    session.add_all([row("a"), row("b")])
    with pytest.raises(IntegrityError):
        session.flush()
