"""Recurring series: weekly on the start's weekday, every N days, or monthly on the start's day
of the month (months without that day are skipped). Each occurrence is an activity of its own
(answered, moved or cancelled alone); `series_id` ties them together so the whole rest of a
series can be moved or cancelled at once.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

from bot.core.numbers import FULL_WIDTH

MIN_COUNT, MAX_COUNT = 2, 52
EVERY = ("week", "days", "month")  # catalog: events.every.<…>
PATTERN = re.compile(
    r"(?:(?P<weekly>每周|weekly)|(?:每|every\s*)(?P<days>\d{1,3})\s*(?:天|日|days?)|"
    r"(?P<monthly>每月|monthly))\s*[,，]?\s*(?:共)?\s*(?P<count>\d{1,2})\s*(?:次|times)?",
    re.IGNORECASE)


def parse_repeat(text: str) -> dict | None:
    """{"every": "week"|"days"|"month", "days": n, "count": n} from `每周 8次`, `每10天 6次`,
    `每月 12次` (or `weekly 8`, `every 10 days 6`, `monthly 12`); None when unreadable.
    """
    match = PATTERN.fullmatch(text.strip().translate(FULL_WIDTH))
    if match is None:
        return None
    count = int(match["count"])
    if not MIN_COUNT <= count <= MAX_COUNT:
        return None
    if match["days"]:
        days = int(match["days"])
        return {"every": "days", "days": days, "count": count} if days >= 1 else None
    return {"every": "week" if match["weekly"] else "month", "days": 7, "count": count}


def _month_later(local: datetime, months: int) -> datetime | None:
    year, month = divmod(local.month - 1 + months, 12)
    try:
        return local.replace(year=local.year + year, month=month + 1)
    except ValueError:  # the 31st in a 30-day month: no occurrence that month
        return None


def starts(start: datetime, repeat: dict | None, zone: tzinfo) -> list[datetime]:
    """The starts of every occurrence (UTC), the first being `start`; counted in local time."""
    if not repeat:
        return [start]
    local, found, step = start.astimezone(zone), [], 0
    while len(found) < repeat["count"]:
        if repeat["every"] == "month":
            moment = _month_later(local, step)
        else:
            moment = local + timedelta(days=repeat["days"] * step)
        if moment is not None:
            found.append(moment.astimezone(start.tzinfo))
        step += 1
    return found
