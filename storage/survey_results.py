"""Results of a survey from its ballots alone: counts, 满意率, 不满意率, rank, the chosen K.

满意率 = (满意 + 基本满意) ÷ valid ballots and 不满意率 = 不满意 ÷ valid ballots, where a ballot is
valid for a department when it rates it with anything but 不了解 (不了解 counts as taking part,
not in the rates). The last rated option is the unsatisfied one, the others satisfied.
Breakdowns by level with fewer than `SMALL` ballots are hidden, and so are all counts and rates
of a survey with fewer than `SMALL` ballots in all (`Results.too_few`): only participation shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from storage import surveys
from storage.survey_models import DONT_KNOW, Survey, SurveyItem, SurveyKind, SurveyVoter

SMALL = 5  # a breakdown (or a whole result) with fewer ballots than this is not shown


@dataclass
class ItemResult:
    """One department, option or question: counts per option, rates, rank, flag."""

    item: SurveyItem
    counts: dict[str, int]
    valid: int = 0
    satisfied_rate: float | None = None
    unsatisfied_rate: float | None = None
    rank: int | None = None
    flagged: bool = False
    chosen: bool = False


@dataclass
class LevelResult:
    """满意率 per department among one level's ballots (hidden below SMALL ballots)."""

    level: str | None
    ballots: int
    rates: dict[int, float | None] = field(default_factory=dict)

    @property
    def hidden(self) -> bool:
        """True when too few ballots to show without risking secrecy."""
        return self.ballots < SMALL


@dataclass
class Results:
    """Everything the close reports."""

    survey: Survey
    ballots: int
    items: list[ItemResult]
    overall: surveys.Tally
    by_level: list[surveys.Tally]
    levels: list[LevelResult]

    @property
    def threshold_met(self) -> bool:
        """Counted participation at least the survey's minimum percent."""
        return self.overall.voted * 100 >= self.survey.min_participation * self.overall.eligible \
            and self.overall.eligible > 0

    @property
    def too_few(self) -> bool:
        """Fewer than SMALL ballots in all: counts would reveal who chose what; none shown."""
        return self.ballots < SMALL

    @property
    def flagged(self) -> list[ItemResult]:
        """Departments whose 不满意率 is above the survey's limit (none told when too few)."""
        return [] if self.too_few else [r for r in self.items if r.flagged]


def _rated(options: Sequence[str]) -> list[str]:
    return [o for o in options if o != DONT_KNOW]


def rate_item(result: ItemResult, options: Sequence[str], flag_above: int) -> None:
    """Fill in valid ballots and the two rates of one department."""
    rated = _rated(options)
    result.valid = sum(result.counts.get(o, 0) for o in rated)
    if result.valid:
        unsatisfied = result.counts.get(rated[-1], 0)
        result.satisfied_rate = (result.valid - unsatisfied) / result.valid
        result.unsatisfied_rate = unsatisfied / result.valid
        result.flagged = result.unsatisfied_rate * 100 > flag_above


def rank(results: list[ItemResult], key) -> None:
    """Competition ranking (1, 2, 2, 4) by `key` descending; items without a value get none."""
    scored = sorted((r for r in results if key(r) is not None), key=key, reverse=True)
    for position, result in enumerate(scored, start=1):
        before = scored[position - 2] if position > 1 else None
        result.rank = before.rank if before is not None and key(before) == key(result) \
            else position


def _count(items: list[SurveyItem], ballots: Sequence[tuple[str | None, dict]]
           ) -> dict[int, Counter]:
    counts: dict[int, Counter] = {item.id: Counter() for item in items}
    for _level, choices in ballots:
        for item_id in choices.get("picked", ()):
            if item_id in counts:
                counts[item_id]["picked"] += 1
        for key, option in choices.items():
            if key != "picked" and int(key) in counts:
                counts[int(key)][option] += 1
    return counts


def _by_level(survey: Survey, items: list[SurveyItem],
              ballots: Sequence[tuple[str | None, dict]]) -> list[LevelResult]:
    grouped: dict[str | None, list] = {}
    for level, choices in ballots:
        grouped.setdefault(level, []).append((level, choices))
    found = []
    for level in sorted(grouped, key=lambda value: value or ""):
        part = LevelResult(level, len(grouped[level]))
        if not part.hidden:
            counts = _count(items, grouped[level])
            for item in items:
                result = ItemResult(item, dict(counts[item.id]))
                rate_item(result, survey.options, survey.flag_above)
                part.rates[item.id] = result.satisfied_rate
        found.append(part)
    return found


def compute(session: Session, survey: Survey) -> Results:
    """The survey's results now (live while open, final once closed)."""
    items = surveys.items_of(session, survey.id)
    cast = surveys.ballots(session, survey.id)
    counts = _count(items, cast)
    results = [ItemResult(item, dict(counts[item.id])) for item in items]
    if survey.kind == SurveyKind.EVALUATION.value:
        departments = [r for r in results if r.item.kind == "department"]
        for result in departments:
            rate_item(result, survey.options, survey.flag_above)
        rank(departments, lambda r: r.satisfied_rate)
    else:
        options = [r for r in results if r.item.kind == "option"]
        rank(options, lambda r: r.counts.get("picked", 0))
        top = sorted(options, key=lambda r: (-r.counts.get("picked", 0), r.item.position))
        for result in top[:survey.max_choices]:
            result.chosen = result.counts.get("picked", 0) > 0
    counted = SurveyVoter.counted.is_(True)
    [overall] = surveys.tallies(session, survey.id, None, counted) or [surveys.Tally(None, 0, 0)]
    by_level = surveys.tallies(session, survey.id, SurveyVoter.level)
    levels = _by_level(survey, [r.item for r in results if r.item.kind == "department"], cast) \
        if survey.kind == SurveyKind.EVALUATION.value else []
    return Results(survey, len(cast), results, overall, by_level, levels)
