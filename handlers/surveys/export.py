"""The 测评结果表 workbook: one row per department (or option) with counts, rates and rank, then
participation overall and per level and whether the threshold was met; a second sheet rolls the
per-case satisfaction (the delegates' verdicts on fixes) up by department.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from bot.i18n import Translator
from handlers.labels import level_label
from handlers.surveys.results import percent
from storage import survey_results
from storage.case_models import Case, Satisfaction
from storage.models import Department
from storage.survey_models import Survey, SurveyKind
from storage.xlsx_stream import Column, Workbook


def _evaluation_rows(t: Translator, results: survey_results.Results) -> list[list]:
    options = results.survey.options
    header = [t("surveys.export.rank"), t("surveys.export.department"), *options,
              t("surveys.export.valid"), t("surveys.export.satisfied_rate"),
              t("surveys.export.unsatisfied_rate"), t("surveys.export.flagged")]
    rated = sorted((r for r in results.items if r.item.kind == "department"),
                   key=lambda r: (r.rank or 10**6, r.item.position))
    body = [[r.rank or "", r.item.label, *[r.counts.get(o, 0) for o in options], r.valid,
             percent(r.satisfied_rate), percent(r.unsatisfied_rate),
             t("surveys.export.yes") if r.flagged else ""] for r in rated]
    return [header, *body]


def _vote_rows(t: Translator, results: survey_results.Results) -> list[list]:
    header = [t("surveys.export.rank"), t("surveys.export.option"), t("surveys.export.votes"),
              t("surveys.export.chosen")]
    options = sorted((r for r in results.items if r.item.kind == "option"),
                     key=lambda r: (r.rank or 10**6, r.item.position))
    return [header, *[[r.rank or "", r.item.label, r.counts.get("picked", 0),
                       t("surveys.export.yes") if r.chosen else ""] for r in options]]


def _table(t: Translator, results: survey_results.Results) -> list[list]:
    """The results table; with too few ballots in all, one line saying why it is left out."""
    if results.too_few:
        return [[t("surveys.result.too_few", small=survey_results.SMALL)]]
    if results.survey.kind == SurveyKind.VOTE.value:
        return _vote_rows(t, results)
    return _evaluation_rows(t, results)


def _participation_rows(t: Translator, results: survey_results.Results) -> list[list]:
    overall = results.overall
    rows = [[t("surveys.export.participation"), "", t("surveys.export.voted"),
             t("surveys.export.eligible"), t("surveys.export.rate")],
            ["", t("surveys.export.counted"), overall.voted, overall.eligible,
             percent(overall.rate)]]
    rows += [["", level_label(t, tally.label), tally.voted, tally.eligible, percent(tally.rate)]
             for tally in results.by_level]
    met = t("surveys.threshold.met") if results.threshold_met else t("surveys.threshold.not_met")
    rows.append([t("surveys.export.threshold", minimum=results.survey.min_participation), met])
    return rows


def case_satisfaction(session: Session) -> list[tuple[str, int, int, int]]:
    """(department, 满意, 基本满意, 不满意) over the cases verified so far, by department."""
    counts: dict[str, dict[str, int]] = {}
    query = (select(Department.name, Case.satisfaction, func.count())
             .join(Department, Department.id == Case.department_id)
             .where(Case.satisfaction.is_not(None))
             .group_by(Department.name, Case.satisfaction).order_by(Department.name))
    for name, verdict, count in session.exec(query).all():
        counts.setdefault(name, {})[verdict] = count
    return [(name, c.get(Satisfaction.SATISFIED.value, 0), c.get(Satisfaction.BASIC.value, 0),
             c.get(Satisfaction.DISSATISFIED.value, 0)) for name, c in counts.items()]


def write_results(session: Session, survey: Survey, out: Path, t: Translator, tz) -> None:
    """Write the workbook to `out`."""
    results = survey_results.compute(session, survey)
    table = _table(t, results)
    widths = [Column(8), Column(30, wrap=True)] + [Column(12)] * max(len(table[0]) - 2, 3)
    with Workbook(out) as book:
        with book.sheet(t("surveys.export.sheet"), widths, freeze_header=False) as sheet:
            sheet.append([t("surveys.export.title", title=survey.title,
                            ballots=results.ballots)], bold=True)
            sheet.append(table[0], bold=True)
            for row in table[1:]:
                sheet.append(row)
            sheet.append([])
            for row in _participation_rows(t, results):
                sheet.append(row)
        columns = [Column(30, wrap=True)] + [Column(12)] * 5
        with book.sheet(t("surveys.export.cases_sheet"), columns) as sheet:
            sheet.append([t("surveys.export.department"), t("case.verdict.satisfied"),
                          t("case.verdict.basic"), t("case.verdict.dissatisfied"),
                          t("surveys.export.valid"), t("surveys.export.satisfied_rate")],
                         bold=True)
            for name, happy, basic, unhappy in case_satisfaction(session):
                valid = happy + basic + unhappy
                sheet.append([name, happy, basic, unhappy, valid,
                              percent((happy + basic) / valid if valid else None)])
