"""Quiet hours: pushes due at night wait for the morning."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo


def next_allowed(moment: datetime, start: time, end: time, zone: tzinfo) -> datetime:
    """`moment` (aware) if outside quiet hours, else the end of the quiet period, in UTC."""
    local = moment.astimezone(zone)
    clock = local.time()
    overnight = start > end
    inside = (clock >= start or clock < end) if overnight else (start <= clock < end)
    if not inside:
        return moment.astimezone(UTC)
    day = local.date() + timedelta(days=1) if overnight and clock >= start else local.date()
    return datetime.combine(day, end, tzinfo=zone).astimezone(UTC)
