"""Dates and times as people type them: `2026-11-25 09:30`, `11月25日 9:30`, `11/25 9点`, or
a time alone (`11:30`) on a given day; read in the deployment's time zone, returned in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, tzinfo

from bot.core.numbers import FULL_WIDTH

DATE_TIME = re.compile(
    r"(?:(?P<year>\d{4})\s*[-/.年]\s*)?(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*[日号]?"
    r"\s*(?:[T\s,，]\s*)?(?P<hour>\d{1,2})\s*[:：点時时]\s*(?P<minute>\d{2})?\s*分?")
TIME_ONLY = re.compile(r"(?P<hour>\d{1,2})\s*[:：点时]\s*(?P<minute>\d{2})?\s*分?")


def _clock(match: re.Match) -> time | None:
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    return time(hour, minute) if hour < 24 and minute < 60 else None


def parse_moment(text: str, today: date, zone: tzinfo) -> datetime | None:
    """A typed date and time (year optional: this year, or next when the day has passed)."""
    plain = text.strip().translate(FULL_WIDTH)
    match = DATE_TIME.fullmatch(plain)
    if match is None:
        return None
    clock = _clock(match)
    year = int(match["year"]) if match["year"] else today.year
    try:
        day = date(year, int(match["month"]), int(match["day"]))
        if not match["year"] and day < today:
            day = day.replace(year=year + 1)
    except ValueError:
        return None
    if clock is None:
        return None
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def parse_end(text: str, start: datetime, zone: tzinfo) -> datetime | None:
    """A typed end: a time alone falls on the start's day; else a full date and time."""
    plain = text.strip().translate(FULL_WIDTH)
    match = TIME_ONLY.fullmatch(plain)
    if match is not None:
        clock = _clock(match)
        if clock is None:
            return None
        day = start.astimezone(zone).date()
        return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)
    return parse_moment(plain, start.astimezone(zone).date(), zone)
