"""Configuration from `KILNGUARD_*` environment variables, with defaults for an offline plant."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kilnguard.domain.errors import ValidationError

DEFAULT_DATABASE_FILE = "kilnguard.db"


def database_url() -> str:
    """`KILNGUARD_DATABASE_URL`, else a SQLite file `kilnguard.db` in the working directory."""
    url = os.environ.get("KILNGUARD_DATABASE_URL", "").strip()
    if url:
        return url
    return f"sqlite:///{Path.cwd() / DEFAULT_DATABASE_FILE}"


SECURE_COOKIE_CHOICES = ("auto", "on", "off")
ALERT_ACK_ROLES_VAR = "KILNGUARD_ALERT_ACK_ROLES"


def alert_ack_roles_setting() -> str:
    """`KILNGUARD_ALERT_ACK_ROLES`: the roles that may acknowledge a red or stop alert, comma
    separated ("" = the default, manager and safety officer; checked by `services.alerts`)."""
    return _env(ALERT_ACK_ROLES_VAR)


@dataclass(frozen=True)
class WebSettings:
    """`KILNGUARD_SECURE_COOKIES`: `auto` (default) marks the session cookie `Secure` when the
    request came over HTTPS (directly, or through a proxy uvicorn trusts for
    `X-Forwarded-Proto`: 127.0.0.1 unless `FORWARDED_ALLOW_IPS` says otherwise); `on` always;
    `off` never. `KILNGUARD_TOKEN_DAYS`: API tokens expire this many days after issue.
    `KILNGUARD_ORIGINS`: the public origins of the site (`https://kilns.plant.example`, comma
    separated) when a reverse proxy passes on a `Host` other than the one browsers use; forms
    are accepted from the server's own origin and these only."""

    host: str = "127.0.0.1"
    port: int = 8000
    session_hours: int = 12
    secure_cookies: str = "auto"
    token_days: float = 30.0
    origins: tuple[str, ...] = ()


def web_settings() -> WebSettings:
    secure = _env("KILNGUARD_SECURE_COOKIES").lower() or "auto"
    if secure not in SECURE_COOKIE_CHOICES:
        raise ValidationError(
            "KILNGUARD_SECURE_COOKIES", secure, f"must be one of {', '.join(SECURE_COOKIE_CHOICES)}"
        )
    return WebSettings(
        host=os.environ.get("KILNGUARD_HOST", "127.0.0.1"),
        port=int(os.environ.get("KILNGUARD_PORT", "8000")),
        session_hours=int(os.environ.get("KILNGUARD_SESSION_HOURS", "12")),
        secure_cookies=secure,
        token_days=env_number("KILNGUARD_TOKEN_DAYS", 30.0, unit="days", above=True),
        origins=tuple(
            o.strip().rstrip("/").lower() for o in _env("KILNGUARD_ORIGINS").split(",") if o.strip()
        ),
    )


# --------------------------------------------------------------------------- notifications
# Channels an alert's outbox message is delivered to (`kilnguard.services.notifications`).
# Each channel is on when its variable is set; none is on by default (the in-app inbox always
# is). Read when a notification is made and when the outbox is delivered, never at import.
#
#   KILNGUARD_WEBHOOK_URL=https://ops.example.plant/hooks/kilnguard   HTTP POST, JSON body
#   KILNGUARD_WEBHOOK_SECRET=s3cret        adds X-Kilnguard-Signature: sha256=<HMAC-SHA256 hex>
#   KILNGUARD_MQTT_URL=mqtt://broker.plant:1883/plant/kilnguard/alerts     QoS 1, not retained
#                      mqtt://user:password@broker.plant:1883/topic  (mqtts:// for TLS)
#   KILNGUARD_SMTP_HOST=smtp.plant.local   e-mail through this relay, with
#   KILNGUARD_SMTP_PORT=25                 (default 25)
#   KILNGUARD_SMTP_FROM=kilnguard@plant.local
#   KILNGUARD_SMTP_TO=control-room@plant.local,safety@plant.local
#   KILNGUARD_SMTP_USER / KILNGUARD_SMTP_PASSWORD   log in (after STARTTLS) when both are set
#   KILNGUARD_SMTP_STARTTLS=1              upgrade the connection with STARTTLS first
#   KILNGUARD_NOTIFY_TIMEOUT_S=10          every network call's timeout, in seconds
#   KILNGUARD_NOTIFY_RETRY_S=30            first retry after a failed attempt, doubling ...
#   KILNGUARD_NOTIFY_RETRY_MAX_S=3600      ... up to this delay; a message is never dropped


@dataclass(frozen=True)
class WebhookChannel:
    url: str
    secret: str = ""
    timeout_s: float = 10.0
    name: str = "webhook"


@dataclass(frozen=True, kw_only=True)
class ServerChannel:
    """What the MQTT and e-mail channels share: the server, its optional login, the timeout."""

    host: str
    port: int
    username: str = ""
    password: str = ""
    timeout_s: float = 10.0


@dataclass(frozen=True, kw_only=True)
class MqttChannel(ServerChannel):
    topic: str
    tls: bool = False
    name: str = "mqtt"


@dataclass(frozen=True, kw_only=True)
class EmailChannel(ServerChannel):
    sender: str
    to: tuple[str, ...]
    starttls: bool = False
    name: str = "email"


Channel = WebhookChannel | MqttChannel | EmailChannel


@dataclass(frozen=True)
class RetrySettings:
    """Backoff after a failed delivery: `first_s`, doubling per attempt, capped at `max_s`."""

    first_s: float = 30.0
    max_s: float = 3600.0


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


def env_number(
    name: str, default: float, *, unit: str, minimum: float = 0.0, above: bool = False
) -> float:
    """The number in environment variable `name` (`default` when unset). Text, or a value below
    `minimum` (or equal to it when `above`), is refused naming the variable, the value and the
    rule, so a mistyped setting stops the start instead of silently meaning something else."""
    raw = _env(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValidationError(name, raw, f"must be a number of {unit}") from exc
    if value < minimum or (above and value == minimum):
        rule = "more than" if above else "at least"
        raise ValidationError(name, raw, f"must be {rule} {minimum:g} {unit}")
    return value


def _seconds(name: str, default: float) -> float:
    return env_number(name, default, unit="seconds", above=True)


def mqtt_channel(url: str, timeout_s: float = 10.0) -> MqttChannel:
    """`mqtt://[user[:password]@]host[:port]/topic` (`mqtts://` for TLS, default port 8883)."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    if "#" in url or parts.query:
        raise ValueError(f"KILNGUARD_MQTT_URL={url!r}: a topic without wildcards or a query")
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ValueError(f"KILNGUARD_MQTT_URL={url!r}: expected mqtt://host:port/topic")
    topic = unquote(parts.path.lstrip("/"))
    if not topic or any(c in topic for c in "+#"):
        raise ValueError(f"KILNGUARD_MQTT_URL={url!r}: name one topic (no wildcards) as the path")
    tls = parts.scheme == "mqtts"
    return MqttChannel(
        host=parts.hostname,
        port=parts.port or (8883 if tls else 1883),
        topic=topic,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        tls=tls,
        timeout_s=timeout_s,
    )


def notification_channels() -> tuple[Channel, ...]:
    """The outbox channels configured by environment variables (see above), in the order
    webhook, MQTT, e-mail; empty when none is set."""
    timeout = _seconds("KILNGUARD_NOTIFY_TIMEOUT_S", 10.0)
    out: list[Channel] = []
    if url := _env("KILNGUARD_WEBHOOK_URL"):
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"KILNGUARD_WEBHOOK_URL={url!r}: expected an http(s):// URL")
        out.append(WebhookChannel(url, _env("KILNGUARD_WEBHOOK_SECRET"), timeout))
    if url := _env("KILNGUARD_MQTT_URL"):
        out.append(mqtt_channel(url, timeout))
    if host := _env("KILNGUARD_SMTP_HOST"):
        sender, to = _env("KILNGUARD_SMTP_FROM"), _env("KILNGUARD_SMTP_TO")
        if not sender or not to:
            raise ValueError("KILNGUARD_SMTP_HOST is set: set KILNGUARD_SMTP_FROM and _TO too")
        port = _env("KILNGUARD_SMTP_PORT") or "25"
        if not port.isdigit():
            raise ValueError(f"KILNGUARD_SMTP_PORT={port!r}: expected a port number")
        out.append(
            EmailChannel(
                host=host,
                port=int(port),
                sender=sender,
                to=tuple(a.strip() for a in to.split(",") if a.strip()),
                username=_env("KILNGUARD_SMTP_USER"),
                password=_env("KILNGUARD_SMTP_PASSWORD"),
                starttls=_env("KILNGUARD_SMTP_STARTTLS") in ("1", "true", "yes"),
                timeout_s=timeout,
            )
        )
    return tuple(out)


def retry_settings() -> RetrySettings:
    return RetrySettings(
        first_s=_seconds("KILNGUARD_NOTIFY_RETRY_S", 30.0),
        max_s=_seconds("KILNGUARD_NOTIFY_RETRY_MAX_S", 3600.0),
    )


# ----------------------------------------------------------------------------- audit key
#   KILNGUARD_AUDIT_KEY=<at least 16 characters, e.g. `openssl rand -hex 32`>
# Optional. When set, every new audit entry is hashed with HMAC-SHA256 under this key and the
# chain's head is sealed with it, so entries cannot be rewritten, nor the log cut and re-headed,
# without the key (`kilnguard.services.audit`). Keep it out of the database and its backups.

AUDIT_KEY_MIN_CHARS = 16


def audit_key() -> bytes | None:
    """`KILNGUARD_AUDIT_KEY` as bytes, or None when unset; refuses a key too short to matter."""
    raw = _env("KILNGUARD_AUDIT_KEY")
    if not raw:
        return None
    if len(raw) < AUDIT_KEY_MIN_CHARS:
        raise ValueError(
            f"KILNGUARD_AUDIT_KEY is {len(raw)} characters: use at least {AUDIT_KEY_MIN_CHARS} "
            "(e.g. the output of `openssl rand -hex 32`)"
        )
    return raw.encode("utf-8")
