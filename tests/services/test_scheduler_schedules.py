"""Slots: every N seconds on the epoch's multiples; local midnights of an IANA zone, through
daylight saving; which slots are due after the last one claimed."""

from __future__ import annotations

import datetime as dt

import pytest

from kilnguard.services.scheduler import DailyAtMidnight, Every, Job
from kilnguard.services.scheduler.schedules import due_slots

UTC = dt.UTC


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, s, tzinfo=UTC)


def test_interval_slots_are_the_same_whoever_computes_them() -> None:
    every = Every(60)
    s = every.slot_at(utc(2021, 10, 5, 4, 0, 59))
    assert (s.key, s.due_at) == ("2021-10-05T04:00:00Z", utc(2021, 10, 5, 4))
    assert every.slot_at(utc(2021, 10, 5, 4, 1)).key == "2021-10-05T04:01:00Z"
    assert every.named(s.key) == s
    assert every.after(s).key == "2021-10-05T04:01:00Z"
    assert Every(10).slot_at(utc(2021, 10, 5, 4, 0, 19)).key == "2021-10-05T04:00:10Z"
    with pytest.raises(ValueError):
        Every(0)


def test_a_daily_slot_is_the_local_day_and_opens_at_its_first_instant() -> None:
    kst = DailyAtMidnight("Asia/Pyongyang")  # UTC+9: the day opens at 15:00 UTC the day before
    s = kst.slot_at(utc(2021, 10, 4, 15, 0, 0))
    assert (s.key, s.day, s.due_at) == ("2021-10-05", dt.date(2021, 10, 5), utc(2021, 10, 4, 15))
    assert kst.slot_at(utc(2021, 10, 4, 14, 59, 59)).key == "2021-10-04"
    assert kst.named("2021-10-05") == s


def test_daily_slots_follow_daylight_saving() -> None:
    ny = DailyAtMidnight("America/New_York")
    # 14 Mar 2021 has 23 h, 7 Nov 2021 has 25 h: midnight is 05:00 UTC in winter, 04:00 in summer
    assert ny.named("2021-03-14").due_at == utc(2021, 3, 14, 5)
    assert ny.named("2021-03-15").due_at == utc(2021, 3, 15, 4)
    assert ny.named("2021-11-07").due_at == utc(2021, 11, 7, 4)
    assert ny.named("2021-11-08").due_at == utc(2021, 11, 8, 5)
    assert ny.slot_at(utc(2021, 11, 8, 4, 59)).key == "2021-11-07"  # the long day's 25th hour
    # Santiago skips 00:00 on 5 Sep 2021 (straight to 01:00 -03): the day opens at 01:00 local
    cl = DailyAtMidnight("America/Santiago")
    assert cl.named("2021-09-05").due_at == utc(2021, 9, 5, 4)
    assert cl.slot_at(utc(2021, 9, 5, 3, 59, 59)).key == "2021-09-04"
    assert cl.slot_at(utc(2021, 9, 5, 4)).key == "2021-09-05"


def test_due_slots_after_the_last_one_claimed() -> None:
    utc_days = DailyAtMidnight("UTC")
    now = utc(2021, 10, 5, 10)
    assert [s.key for s in due_slots(utc_days, None, now, each=True, limit=31)] == ["2021-10-05"]
    assert due_slots(utc_days, "2021-10-05", now, each=True, limit=31) == []
    missed = due_slots(utc_days, "2021-10-02", now, each=True, limit=31)
    assert [s.key for s in missed] == ["2021-10-03", "2021-10-04", "2021-10-05"]
    assert [s.key for s in due_slots(utc_days, "2021-10-02", now, each=False, limit=31)] == [
        "2021-10-05"
    ]
    assert [s.key for s in due_slots(utc_days, "2021-10-02", now, each=True, limit=2)] == [
        "2021-10-04",
        "2021-10-05",
    ]
    long_ago = due_slots(utc_days, "2019-01-01", now, each=True, limit=3)
    assert [s.key for s in long_ago] == ["2021-10-03", "2021-10-04", "2021-10-05"]


def test_only_daily_jobs_catch_up_slot_by_slot() -> None:
    with pytest.raises(ValueError, match="only daily jobs"):
        Job("x", Every(60), lambda s, slot: "", each=True)
