"""One way to read a number: ASCII (or full-width) digits in range, everything else refused."""

from __future__ import annotations

import pytest

from bot.core.numbers import parse_days, parse_int


@pytest.mark.parametrize(("text", "expected"), [
    ("5", 5), (" 12 ", 12), ("０５", 5), ("60", 60), ("1", 1),
    ("²", None), ("٣", None), ("-3", None), ("+3", None), ("3.0", None), ("1 2", None),
    ("", None), ("  ", None), ("9" * 25, None), ("61", None), ("0", None), (None, None),
])
def test_parse_int(text, expected):
    assert parse_int(text, 1, 60) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("3天", 3), ("３天", 3), ("5个工作日", 5), ("10 days", 10), ("7", 7), ("²天", None),
    ("天", None), ("3周", None),
])
def test_parse_days(text, expected):
    assert parse_days(text, 1, 60) == expected
