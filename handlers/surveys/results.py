"""Results and participation in words (and a chart): what staff and leadership read."""

from __future__ import annotations

from pathlib import Path

from bot.charts import Marks, RankRow, chart_or_text
from bot.core.types import Attachment, Reply
from bot.i18n import Translator
from handlers.labels import level_label
from storage.survey_models import Survey, SurveyKind
from storage.survey_results import SMALL, ItemResult, Results
from storage.surveys import Tally


def percent(value: float | None) -> str:
    """0.8 → 80.0%; None → —."""
    return "—" if value is None else f"{value * 100:.1f}%"


def tally_line(t: Translator, label: str, tally: Tally) -> str:
    """`label：voted/eligible（rate）`."""
    return t("surveys.tally", label=label, voted=tally.voted, eligible=tally.eligible,
             rate=percent(tally.rate))


def participation_lines(t: Translator, results: Results) -> list[str]:
    """Counted participation against the threshold, then per level."""
    survey = results.survey
    met = t("surveys.threshold.met") if results.threshold_met else t("surveys.threshold.not_met")
    lines = [t("surveys.participation", voted=results.overall.voted,
               eligible=results.overall.eligible, rate=percent(results.overall.rate),
               minimum=survey.min_participation, verdict=met)]
    lines += [tally_line(t, level_label(t, tally.label), tally) for tally in results.by_level]
    return lines


def _evaluation_lines(t: Translator, results: Results) -> list[str]:
    survey, lines = results.survey, []
    rated = sorted((r for r in results.items if r.item.kind == "department"),
                   key=lambda r: (r.rank or 10**6, r.item.position))
    for result in rated:
        counts = t("common.list_sep").join(f"{o} {result.counts.get(o, 0)}"
                                           for o in survey.options)
        lines.append(t("surveys.result.department", rank=result.rank or "—",
                       label=result.item.label, counts=counts,
                       satisfied=percent(result.satisfied_rate),
                       unsatisfied=percent(result.unsatisfied_rate)))
        if result.flagged:
            lines.append(t("surveys.result.flagged", limit=survey.flag_above))
    for part in results.levels:
        if part.hidden:
            lines.append(t("surveys.result.level_hidden", level=level_label(t, part.level)))
            continue
        rates = t("common.list_sep").join(
            f"{r.item.label} {percent(part.rates.get(r.item.id))}" for r in rated)
        lines.append(t("surveys.result.level", level=level_label(t, part.level),
                       ballots=part.ballots, rates=rates))
    return lines


def _vote_lines(t: Translator, results: Results) -> list[str]:
    options = sorted((r for r in results.items if r.item.kind == "option"),
                     key=lambda r: (r.rank or 10**6, r.item.position))
    lines = [t("surveys.result.option", rank=r.rank or "—", label=r.item.label,
               count=r.counts.get("picked", 0),
               chosen=t("surveys.result.chosen") if r.chosen else "") for r in options]
    chosen = [r.item.label for r in options if r.chosen]
    lines.append(t("surveys.result.chosen_k", most=results.survey.max_choices,
                   chosen=t("common.list_sep").join(chosen) or "—"))
    return lines


def _question_lines(t: Translator, results: Results) -> list[str]:
    lines = []
    for r in (r for r in results.items if r.item.kind == "question"):
        counts = t("common.list_sep").join(f"{c} {r.counts.get(c, 0)}"
                                           for c in r.item.choices or [])
        lines.append(t("surveys.summary.line", label=r.item.label, answer=counts))
    return lines


def results_text(t: Translator, results: Results) -> str:
    """The whole result in one language."""
    survey = results.survey
    lines = [t("surveys.result.head", number=survey.id, title=survey.title,
               ballots=results.ballots)]
    if results.too_few:
        lines.append(t("surveys.result.too_few", small=SMALL))
    else:
        lines += _vote_lines(t, results) if survey.kind == SurveyKind.VOTE.value \
            else _evaluation_lines(t, results)
        lines += _question_lines(t, results)
    lines += participation_lines(t, results)
    return "\n".join(lines)


def chart_rows(results: Results) -> list[RankRow]:
    """Departments by 满意率 (percent), or options by votes."""
    if results.survey.kind == SurveyKind.VOTE.value:
        return [RankRow(r.item.label, float(r.counts.get("picked", 0)))
                for r in results.items if r.item.kind == "option"]
    return [RankRow(r.item.label, round((r.satisfied_rate or 0) * 100, 1), flagged=r.flagged)
            for r in results.items if r.item.kind == "department" and r.valid]


def chart_attachment(t: Translator, results: Results, folder: Path) -> tuple[Attachment, ...]:
    """The ranking chart as a PNG kept under `folder` (text charts go in the message)."""
    rows = [] if results.too_few else chart_rows(results)
    if not rows:
        return ()
    drawn = chart_or_text().ranking(results.survey.title, rows,
                                    Marks(flagged=t("surveys.chart.flagged")))
    if isinstance(drawn, str):
        return ()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"survey-{results.survey.id}-{t.locale}.png"
    path.write_bytes(drawn)
    return (Attachment(str(path), path.name, is_photo=True),)


def results_reply(t: Translator, results: Results, folder: Path | None) -> Reply:
    """The result as a message, with its chart where one can be drawn."""
    files = chart_attachment(t, results, folder) if folder is not None else ()
    return Reply(results_text(t, results), attachments=files)


def flagged_text(t: Translator, survey: Survey, flagged: list[ItemResult]) -> str:
    """Departments to re-respond (不满意率 above the limit)."""
    names = t("common.list_sep").join(
        f"{r.item.label}（{percent(r.unsatisfied_rate)}）" for r in flagged)
    return t("surveys.push.flagged", title=survey.title, limit=survey.flag_above,
             departments=names)
