"""The briefings sent (每日调度通报, 一周一小结, 擂台赛): one row per kind and day, never two."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


class BriefingKind(StrEnum):
    """Which briefing: the daily one, the weekly summary, the 10-day contest."""

    DAILY = "daily"
    WEEKLY = "weekly"
    CONTEST = "contest"


class BriefingStatus(StrEnum):
    """What became of a briefing: sent on time, sent late (迟发), or skipped (too late)."""

    SENT = "sent"
    LATE = "late"
    SKIPPED = "skipped"


class Briefing(SQLModel, table=True):
    """A briefing decided for one day: the process whose insert wins sends it.

    `figures` is the snapshot it was sent with (counts per squad and county, the ranking, the
    last squad and, for a contest, the winner), so the next briefing can say what changed.
    """

    __table_args__ = (UniqueConstraint("kind", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)
    day: date
    status: str = Field(max_length=10)
    figures: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime
