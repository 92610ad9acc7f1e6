"""What a password and a user name must be (issue 15 point 6), and when wrong passwords lock
a login out: the probe's weak passwords and look-alike names are refused."""

from __future__ import annotations

import datetime as dt

import pytest

from kilnguard.domain.credentials import (
    LoginLimits,
    check_password,
    check_username,
    common_passwords,
    locked_until,
    username_skeleton,
)
from kilnguard.domain.errors import ValidationError


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("12345678", "at least 12 characters"),
        ("password", "at least 12 characters"),
        ("operator-operator", "user name"),
        ("--Operator-2024!", "user name"),
        ("Password2024!", "common"),
        ("qwertyuiop123", "common"),
        ("passwordpassword", "common"),
        ("aaaaaaaaaaaaaaaa", "too few characters"),
        ("abcdefghijklmnop", "too few characters"),
        ("x" * 257, "at most 256"),
    ],
)
def test_weak_passwords_are_refused_without_echoing_them(password: str, rule: str) -> None:
    with pytest.raises(ValidationError) as exc:
        check_password(password, username="operator")
    assert exc.value.field == "password" and exc.value.value == "***"
    assert rule in exc.value.rule


@pytest.mark.parametrize(
    "password",
    ["kilnguard-demo", "correct-horse-battery", "cement kiln at dawn", "석회 소성로 안전 점검표"],
)
def test_long_uncommon_passwords_and_passphrases_are_accepted(password: str) -> None:
    check_password(password, username="operator")


def test_the_common_list_ships_with_the_package_and_holds_the_probes_passwords() -> None:
    common = common_passwords()
    assert len(common) > 19_000 and {"12345678", "password", "qwerty"} <= common
    assert "kilnguard-demo" not in common


@pytest.mark.parametrize(
    ("raw", "stored"), [("admin ", "admin"), ("ａｄｍｉｎ", "admin"), ("kim.철수", "kim.철수")]
)
def test_user_names_are_nfkc_normalised_and_trimmed(raw: str, stored: str) -> None:
    assert check_username(raw) == stored


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("\u0430dmin", "mixes the scripts CYRILLIC, LATIN"),  # Cyrillic а
        ("adm\u03b9n", "mixes the scripts GREEK, LATIN"),  # Greek iota
        ("ad min", "letters, digits"),
        ("admin\u200b", "letters, digits"),  # zero-width space
        ("   ", "empty"),
    ],
)
def test_look_alike_and_odd_user_names_are_refused(raw: str, rule: str) -> None:
    with pytest.raises(ValidationError) as exc:
        check_username(raw)
    assert rule in exc.value.rule


def test_names_that_look_alike_share_one_skeleton() -> None:
    admin = username_skeleton("admin")
    assert {username_skeleton(n) for n in ("Admin", "adm1n", "\u0430dmin", "ADMIN ")} == {admin}
    # all-Cyrillic look-alike of a Latin name
    assert username_skeleton("\u0440\u043e\u0440") == username_skeleton("pop")
    assert username_skeleton("operator") != username_skeleton("manager")


def test_five_failures_within_the_window_lock_for_the_lockout() -> None:
    limits = LoginLimits()
    t0 = dt.datetime(2021, 11, 24, 12, tzinfo=dt.UTC)
    minute = dt.timedelta(minutes=1)
    four = [t0 + i * minute for i in range(4)]
    assert locked_until(four, limit=5, limits=limits, now=t0 + 5 * minute) is None
    five = [*four, t0 + 4 * minute]
    end = t0 + 4 * minute + limits.lockout
    assert locked_until(five, limit=5, limits=limits, now=t0 + 5 * minute) == end
    assert locked_until(five, limit=5, limits=limits, now=end) is None
    # five failures spread over more than the window lock nothing
    spread = [t0 + i * 4 * minute for i in range(5)]
    assert locked_until(spread, limit=5, limits=limits, now=t0 + 17 * minute) is None
