"""A survey as the office writes it (a YAML file or the chat form), checked all at once.

Every problem is named (a catalog key and its values); nothing is created unless there are none.
Times are local to the deployment's time zone; levels may be written in Chinese (县) or as codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from storage.models import Department, Group, Level
from storage.survey_models import (
    DEFAULT_COUNTED_LEVELS,
    DEFAULT_OPTIONS,
    DONT_KNOW,
    SurveyKind,
)

LEVEL_WORDS = {"全国": Level.NATIONAL, "国家": Level.NATIONAL, "省": Level.PROVINCIAL,
               "市": Level.MUNICIPAL, "县": Level.COUNTY, "乡": Level.TOWNSHIP,
               "乡镇": Level.TOWNSHIP}
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")

Problem = tuple[str, dict]


@dataclass
class SurveyDraft:
    """A checked survey, ready to store: items are (kind, label, department id, choices)."""

    title: str
    kind: SurveyKind
    items: list[tuple[str, str, int | None, list | None]]
    options: list[str]
    eligible: dict
    counted_levels: list[str]
    opens_at: datetime
    closes_at: datetime
    min_participation: int = 25
    flag_above: int = 30
    max_choices: int = 1
    min_choices: int = 1
    allow_change: bool = True
    reminders: list[str] = field(default_factory=list)


class SurveySpecError(Exception):
    """The survey has problems; `problems` names each."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def parse_level(word: object) -> str | None:
    """A level code from 县 / county / 县级, or None."""
    text = str(word or "").strip().removesuffix("级").removesuffix("人大")
    if text in LEVEL_WORDS:
        return LEVEL_WORDS[text].value
    return text if text in {level.value for level in Level} else None


def parse_time(value: object, tz: ZoneInfo) -> datetime | None:
    """An aware time from a YAML value (a datetime, a date or a string), local to `tz`."""
    if isinstance(value, datetime):
        moment = value
    else:
        moment = None
        for pattern in TIME_FORMATS:
            try:
                moment = datetime.strptime(str(value).strip(), pattern)
                break
            except ValueError:
                continue
        if moment is None:
            return None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


class _Checker:
    """Collects problems while reading one survey document."""

    def __init__(self, session: Session, data: dict, tz: ZoneInfo, now: datetime) -> None:
        self.session, self.data, self.tz, self.now = session, data, tz, now
        self.problems: list[Problem] = []

    def problem(self, key: str, **values: object) -> None:
        self.problems.append((key, values))

    def text(self, name: str, required: bool = True) -> str:
        value = str(self.data.get(name) or "").strip()
        if required and not value:
            self.problem("surveys.spec.missing", field=name)
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self.data.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problem("surveys.spec.bad_number", field=name, low=low, high=high,
                         value=value)
            return default
        return value

    def time(self, name: str) -> datetime | None:
        if self.data.get(name) in (None, ""):
            self.problem("surveys.spec.missing", field=name)
            return None
        moment = parse_time(self.data[name], self.tz)
        if moment is None:
            self.problem("surveys.spec.bad_time", field=name, value=self.data[name])
        return moment

    def names(self, name: str) -> list[str]:
        value = self.data.get(name) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.problem("surveys.spec.not_a_list", field=name)
            return []
        return [str(v).strip() for v in value if str(v).strip()]

    def kind(self) -> SurveyKind:
        raw = self.text("kind", required=False) or SurveyKind.EVALUATION.value
        words = {"测评": SurveyKind.EVALUATION, "评议": SurveyKind.EVALUATION,
                 "票决": SurveyKind.VOTE, "投票": SurveyKind.VOTE}
        if raw in words:
            return words[raw]
        try:
            return SurveyKind(raw)
        except ValueError:
            self.problem("surveys.spec.bad_kind", value=raw)
            return SurveyKind.EVALUATION

    def departments(self) -> list[tuple[str, str, int | None, list | None]]:
        names = self.names("departments")
        if not names:
            self.problem("surveys.spec.no_items")
        known = {d.name: d.id for d in self.session.exec(select(Department)).all()}
        for name in names:
            if name not in known:
                self.problem("surveys.spec.unknown_department", name=name)
        self.duplicates(names)
        return [("department", name, known.get(name), None) for name in names]

    def vote_options(self) -> list[tuple[str, str, int | None, list | None]]:
        names = self.names("items")
        if len(names) < 2:
            self.problem("surveys.spec.too_few_items")
        self.duplicates(names)
        return [("option", name, None, None) for name in names]

    def questions(self) -> list[tuple[str, str, int | None, list | None]]:
        found = []
        for n, question in enumerate(self.data.get("questions") or [], start=1):
            text = str((question or {}).get("text") or "").strip() \
                if isinstance(question, dict) else ""
            choices = [str(c).strip() for c in (question.get("choices") or [])] \
                if isinstance(question, dict) else []
            if not text or len(choices) < 2:
                self.problem("surveys.spec.bad_question", number=n)
                continue
            found.append(("question", text, None, choices))
        return found

    def duplicates(self, names: list[str]) -> None:
        seen = set()
        for name in names:
            if name in seen:
                self.problem("surveys.spec.duplicate", name=name)
            seen.add(name)

    def eligible(self) -> dict:
        block = self.data.get("eligible") or {}
        if not isinstance(block, dict):
            self.problem("surveys.spec.no_voters")
            return {"groups": [], "levels": []}
        groups = [str(g).strip() for g in block.get("groups") or []]
        known = {g.name: g.id for g in self.session.exec(select(Group)).all()}
        for name in groups:
            if name not in known:
                self.problem("surveys.spec.unknown_group", name=name)
        levels = self.levels(block.get("levels") or [])
        if not groups and not levels:
            self.problem("surveys.spec.no_voters")
        return {"groups": [known[g] for g in groups if g in known], "levels": levels}

    def levels(self, words: list) -> list[str]:
        found = []
        for word in words:
            level = parse_level(word)
            if level is None:
                self.problem("surveys.spec.unknown_level", value=word)
            elif level not in found:
                found.append(level)
        return found


def check_survey(session: Session, data: object, tz: ZoneInfo, now: datetime) -> SurveyDraft:
    """The survey the document describes; SurveySpecError naming every problem otherwise."""
    if not isinstance(data, dict):
        raise SurveySpecError([("surveys.spec.not_a_mapping", {})])
    check = _Checker(session, data, tz, now)
    title, kind = check.text("title"), check.kind()
    items = check.departments() if kind is SurveyKind.EVALUATION else check.vote_options()
    items += check.questions()
    options = check.names("options") or list(DEFAULT_OPTIONS)
    if kind is SurveyKind.EVALUATION and len([o for o in options if o != DONT_KNOW]) < 2:
        check.problem("surveys.spec.too_few_options")
    options_count = len([i for i in items if i[0] == "option"])
    max_choices = check.integer("choose", 1, 1, max(options_count, 1)) \
        if kind is SurveyKind.VOTE else 1
    min_choices = check.integer("min_choose", 1, 1, max_choices) \
        if kind is SurveyKind.VOTE else 1
    eligible = check.eligible()
    counted = check.levels(check.names("counted_levels")) or list(DEFAULT_COUNTED_LEVELS)
    opens_at, closes_at = check.time("opens_at"), check.time("closes_at")
    if closes_at is not None and closes_at <= now:
        check.problem("surveys.spec.closes_in_past")
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        check.problem("surveys.spec.closes_before_opens")
    reminders = []
    for value in check.names("reminders"):
        moment = parse_time(value, tz)
        if moment is None or (closes_at is not None and moment >= closes_at):
            check.problem("surveys.spec.bad_reminder", value=value)
        else:
            reminders.append(moment.isoformat())
    draft = SurveyDraft(
        title=title, kind=kind, items=items, options=options, eligible=eligible,
        counted_levels=counted, opens_at=opens_at, closes_at=closes_at,
        min_participation=check.integer("min_participation", 25, 1, 100),
        flag_above=check.integer("flag_above", 30, 1, 100),
        max_choices=max_choices, min_choices=min_choices,
        allow_change=bool(data.get("allow_change", True)), reminders=reminders)
    if check.problems:
        raise SurveySpecError(check.problems)
    return draft
