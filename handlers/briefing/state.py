"""What one briefing says, read from the database at one moment: figures, ranking, marks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.config import Settings
from handlers.briefing.ranking import Ranking, flagged, rank
from storage import briefing_extras, briefing_figures, briefings
from storage.briefing_figures import Counts, Figures
from storage.briefing_models import BriefingKind

CONTEST_DAYS = 10  # 擂台赛: every ten campaign days


@dataclass(frozen=True)
class BriefingState:
    """Everything a briefing of one kind shows, for every reader."""

    kind: BriefingKind
    day: date
    campaign_day: int | None
    figures: Figures
    ranking: Ranking
    flagged: set[int]
    red_flag: int | None
    previous: dict | None  # the last briefing of this kind's snapshot, for "change since"
    min_assigned: int
    late: bool = False
    extras: dict = field(default_factory=dict)

    def with_late(self, late: bool) -> BriefingState:
        """The same briefing, marked late (迟发) or not."""
        return BriefingState(**{**self.__dict__, "late": late})

    def previous_counts(self, squad_id: int | None) -> Counts | None:
        """What the last briefing said for a squad (None: the county), if it said anything."""
        if not self.previous:
            return None
        if squad_id is None:
            return Counts.from_dict(self.previous.get("county", {}))
        data = self.previous.get("squads", {}).get(str(squad_id))
        return Counts.from_dict(data) if data is not None else None

    def snapshot(self) -> dict:
        """The figures as stored with the briefing (JSON)."""
        return {
            "county": self.figures.county.to_dict(),
            "squads": {str(s.id): {"name": s.name, "members": s.members, **s.counts.to_dict()}
                       for s in self.figures.squads},
            "ranked": [s.id for s in self.ranking.ranked],
            "last": self.ranking.last,
            "winner": (self.ranking.first or self.red_flag)
            if self.kind == BriefingKind.CONTEST else None,
            "campaign_day": self.campaign_day,
        }


def campaign_day(start: date | None, day: date) -> int | None:
    """第N天: calendar days since the campaign start, the start being day 1; None before it."""
    if start is None or day < start:
        return None
    return (day - start).days + 1


def start_of(day: date, zone: ZoneInfo) -> datetime:
    """The UTC moment the local `day` begins."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def counting_from(kind: BriefingKind, day: date, settings: Settings) -> date:
    """The first day of what "new" counts: today; this week's Monday; the contest's ten days."""
    if kind == BriefingKind.WEEKLY:
        return day - timedelta(days=day.weekday())
    if kind == BriefingKind.CONTEST and settings.campaign_start is not None:
        number = campaign_day(settings.campaign_start, day) or 1
        ended = max(number // CONTEST_DAYS, 1)  # the contest of the ten days just ended
        return settings.campaign_start + timedelta(days=(ended - 1) * CONTEST_DAYS)
    return day


def build(session: Session, settings: Settings, now: datetime,
          kind: BriefingKind = BriefingKind.DAILY, *, include_today: bool = False) -> BriefingState:
    """The briefing of `kind` as of `now`; "change since" compares with the last one before
    today (or, with `include_today`, the last one sent, as `/briefing` does).
    """
    zone = settings.tz
    day = now.astimezone(zone).date()
    since = start_of(counting_from(kind, day, settings), zone)
    figures = briefing_figures.figures(session, since, now)
    ranking = rank(figures.squads, settings.briefing_min_assigned)
    last_daily = briefings.previous(session, BriefingKind.DAILY, day)
    last_same = briefings.previous(session, kind, day + timedelta(days=1) if include_today
                                   else day)
    return BriefingState(
        kind=kind, day=day, campaign_day=campaign_day(settings.campaign_start, day),
        figures=figures, ranking=ranking,
        flagged=flagged(ranking, last_daily.figures.get("last") if last_daily else None),
        red_flag=briefings.red_flag_holder(session, day),
        previous=last_same.figures if last_same else None,
        min_assigned=settings.briefing_min_assigned,
        extras=briefing_extras.extra_figures(
            session, start_of(day - timedelta(days=day.weekday()), zone), now,
            [squad.id for squad in figures.squads]))
