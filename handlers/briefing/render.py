"""The briefing as text in the reader's language: sections, the ranking, the published rule."""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import Translator
from handlers.briefing.state import BriefingState
from storage.briefing_figures import Counts
from storage.briefing_models import BriefingKind


def title(t: Translator, state: BriefingState) -> str:
    """The first line: which briefing, its date, 第N天, 迟发."""
    day = t("briefing.campaign_day", n=state.campaign_day) if state.campaign_day else ""
    late = t("briefing.late") if state.late else ""
    values = {"date": state.day.isoformat(), "day": day, "late": late}
    if state.kind == BriefingKind.WEEKLY:
        return t("briefing.title.weekly", **values)
    if state.kind == BriefingKind.CONTEST:
        return t("briefing.title.contest", **values)
    return t("briefing.title.daily", **values)


def rate_text(t: Translator, rate: float | None) -> str:
    """整改率 as a percentage with one decimal, or — before anything was assigned."""
    return t("briefing.rate_none") if rate is None else f"{rate * 100:.1f}%"


def counts_line(t: Translator, kind: BriefingKind, counts: Counts) -> str:
    """The counts of one squad or the county; "new" and "rectified" cover the briefing's span."""
    values = {"new": counts.new_today, "total": counts.total, "accepted": counts.accepted,
              "assigned": counts.assigned, "rectified": counts.rectified_today,
              "closed": counts.closed, "overdue": counts.overdue,
              "rate": rate_text(t, counts.rate)}
    if kind == BriefingKind.WEEKLY:
        return t("briefing.counts.weekly", **values)
    if kind == BriefingKind.CONTEST:
        return t("briefing.counts.contest", **values)
    return t("briefing.counts.daily", **values)


def signed(n: int) -> str:
    """+3, −2, ±0."""
    return f"+{n}" if n > 0 else (f"−{-n}" if n < 0 else "±0")


def change_line(t: Translator, now: Counts, before: Counts | None) -> str | None:
    """What changed since the last briefing, when there was one."""
    if before is None:
        return None
    return t("briefing.change", total=signed(now.total - before.total),
             closed=signed(now.closed - before.closed),
             overdue=signed(now.overdue - before.overdue))


def marks(t: Translator, state: BriefingState, squad_id: int) -> str:
    """🚩流动红旗 beside the holder, ⚠️约谈 beside a squad last twice in a row."""
    shown = []
    if squad_id == state.red_flag:
        shown.append("🚩" + t("briefing.red_flag"))
    if squad_id in state.flagged:
        shown.append("⚠️" + t("briefing.flagged"))
    return (" " + " ".join(shown)) if shown else ""


def section(t: Translator, state: BriefingState, squad_id: int | None) -> list[str]:
    """The county's (None) or one squad's figures, with the change since the last briefing."""
    if squad_id is None:
        head, counts = t("briefing.county"), state.figures.county
    else:
        squad = state.figures.squad(squad_id)
        if squad is None:
            return []
        head, counts = t("briefing.squad", name=squad.name) + marks(t, state, squad_id), \
            squad.counts
    lines = [head, counts_line(t, state.kind, counts)]
    change = change_line(t, counts, state.previous_counts(squad_id))
    lines += [change] if change else []
    for key, values in state.extras.items():  # inspections this week, survey participation
        if squad_id in values:
            lines.append(t(key, **values[squad_id]))
    return lines


def ranking_lines(t: Translator, state: BriefingState) -> list[str]:
    """The ranking, best first, then the squads with too small a sample."""
    ranking = state.ranking
    lines = [t("briefing.ranking")]
    if state.kind == BriefingKind.CONTEST:
        winner = state.figures.squad(ranking.first) if ranking.first else None
        lines.insert(0, t("briefing.contest_winner", name=winner.name) if winner
                     else t("briefing.contest_none"))
    for standing in ranking.ranked:
        lines.append(t("briefing.rank_line", rank=standing.rank, name=standing.name,
                       score=f"{standing.score:.1f}") + marks(t, state, standing.id))
    if not ranking.ranked:
        lines.append(t("briefing.none_ranked"))
    if ranking.unranked:
        lines.append(t("briefing.unranked", min=state.min_assigned, names=t(
            "common.list_sep").join(s.name + marks(t, state, s.id) for s in ranking.unranked)))
    return lines


def render(t: Translator, state: BriefingState, *, county: bool,
           squads: Sequence[int] = ()) -> str:
    """The whole message for one reader: the county (office) and each of their squads."""
    lines = [title(t, state)]
    if county:
        lines += section(t, state, None)
    for squad_id in squads:
        lines += section(t, state, squad_id)
    lines += ranking_lines(t, state)
    lines.append(t("briefing.rule", min=state.min_assigned))
    return "\n".join(lines)
