"""The squads' ranking by a published score, with a minimum sample and a stated tie rule.

score = 60 × 整改率 (closed ÷ assigned) + 25 × timeliness (share of the closed cases closed
within their deadline) + 15 × activity (cases reported per member, full marks at one per member);
0 to 100, one decimal. A squad with fewer assigned cases than the minimum sample is listed as
样本不足 below the ranked ones. Equal scores share a rank (as the chart shows them) and are
listed with more cases closed first, then by name in character-code order; the squad listed
at the bottom is the last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.briefing_figures import Counts, SquadFigures

CLOSURE_POINTS, TIMELINESS_POINTS, ACTIVITY_POINTS = 60, 25, 15
ACTIVITY_FULL = 1.0  # cases reported per member that earn the activity's full points


@dataclass(frozen=True)
class Standing:
    """A squad's place: rank (None when the sample is too small) and score."""

    id: int
    name: str
    score: float
    closed: int
    rank: int | None = None


@dataclass(frozen=True)
class Ranking:
    """The ranked squads, best first, then those with too small a sample, by name."""

    ranked: list[Standing]
    unranked: list[Standing]

    @property
    def last(self) -> int | None:
        """The squad listed at the bottom of the ranking, when at least two are ranked."""
        return self.ranked[-1].id if len(self.ranked) >= 2 else None

    @property
    def first(self) -> int | None:
        """The squad ranked first."""
        return self.ranked[0].id if self.ranked else None


def activity(counts: Counts, members: int) -> float:
    """Cases reported per member as a share of ACTIVITY_FULL, at most 1."""
    if members <= 0:
        return 0.0
    return min(counts.total / members / ACTIVITY_FULL, 1.0)


def score(counts: Counts, members: int) -> float:
    """The published score, 0 to 100, rounded to one decimal."""
    return round(CLOSURE_POINTS * (counts.rate or 0.0) + TIMELINESS_POINTS * counts.timeliness
                 + ACTIVITY_POINTS * activity(counts, members), 1)


def rank(squads: Sequence[SquadFigures], min_assigned: int) -> Ranking:
    """Rank the squads with at least `min_assigned` cases assigned (1, 2, 2, 4 for equal
    scores); the others unranked.
    """
    standings = [(Standing(s.id, s.name, score(s.counts, s.members), s.counts.closed),
                  s.counts.assigned >= min_assigned) for s in squads]
    ranked = sorted((s for s, enough in standings if enough),
                    key=lambda s: (-s.score, -s.closed, s.name))
    unranked = sorted((s for s, enough in standings if not enough), key=lambda s: s.name)
    placed: list[Standing] = []
    for position, s in enumerate(ranked, start=1):
        same = placed and placed[-1].score == s.score
        placed.append(Standing(s.id, s.name, s.score, s.closed,
                               placed[-1].rank if same else position))
    return Ranking(placed, unranked)


def flagged(ranking: Ranking, previous_last: int | None) -> set[int]:
    """Squads last in this briefing and the one before (约谈)."""
    last = ranking.last
    return {last} if last is not None and last == previous_last else set()
