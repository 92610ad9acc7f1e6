"""The typed-text readers every entry point shares (web forms, CSV rows, query parameters):
numbers finite, whole numbers and ids within the database's integer range, dates and times in
the plausible window, text storable as given."""

from __future__ import annotations

import datetime as dt

import pytest

from kilnguard.domain import validation as v
from kilnguard.domain.errors import ValidationError


@pytest.mark.parametrize("raw", ["nan", "NaN", "inf", "-Infinity", "1e400", "lots", ""])
def test_a_number_must_be_finite(raw: str) -> None:
    with pytest.raises(ValidationError) as err:
        v.parse_number("output_t", raw, "t")
    assert err.value.field == "output_t"


def test_a_number_reads_plain_decimal_text() -> None:
    assert v.parse_number("output_t", " 12.5 ") == 12.5


@pytest.mark.parametrize(
    "raw", ["nan", "inf", "1.5", "1e400", str(v.MAX_INT + 1), "99999999999999999999"]
)
def test_a_whole_number_is_whole_and_fits_an_integer_column(raw: str) -> None:
    with pytest.raises(ValidationError):
        v.parse_whole("shift_no", raw)


def test_a_whole_number_may_be_typed_with_a_zero_fraction() -> None:
    assert v.parse_whole("shift_no", "2.0") == 2
    assert v.parse_whole("days_lost", str(v.MAX_INT)) == v.MAX_INT


@pytest.mark.parametrize("raw", ["0", "-3", str(v.MAX_INT + 1), str(2**63)])
def test_an_id_lies_between_1_and_the_integer_range(raw: str) -> None:
    with pytest.raises(ValidationError) as err:
        v.parse_id("kiln_id", raw)
    assert str(v.MAX_INT) in err.value.rule


@pytest.mark.parametrize("raw", ["9999-12-31", "0021-11-24", "2021-02-30", "x"])
def test_a_day_is_a_date_in_the_window(raw: str) -> None:
    with pytest.raises(ValidationError):
        v.parse_day("as_of", raw)


@pytest.mark.parametrize("raw", ["9999-12-31T23:00-09:00", "0001-01-01T00:00+09:00", "soon"])
def test_a_time_is_refused_before_it_is_converted_to_utc(raw: str) -> None:
    with pytest.raises(ValidationError):
        v.parse_time("start_at", raw)


def test_a_naive_time_stays_naive_for_the_plant_zone() -> None:
    assert v.parse_time("start_at", "2021-11-24T06:00") == dt.datetime(2021, 11, 24, 6)


@pytest.mark.parametrize(
    ("text", "words"),
    [("a\x00b", "NUL"), ("a\ud800b", "surrogate"), ("x" * 201, "at most 200")],
)
def test_text_that_no_column_can_store_is_refused_with_a_printable_value(
    text: str, words: str
) -> None:
    with pytest.raises(ValidationError) as err:
        v.require_storable_text("note", text, 200)
    assert words in err.value.rule
    err.value.value.encode("utf-8")  # the refused value can go into a JSON body
    assert v.shown("\ud800").encode("utf-8") == b"\\ud800"
