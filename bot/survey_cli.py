"""`liandong survey …`: create a survey from a YAML or XLSX file (all or nothing), list, open,
close, publish, extend; `liandong export survey ID`: the 测评结果表 (once the results are out).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import yaml

from bot.admin import Outcome, office_engine, translator
from bot.config import Settings
from bot.core.clock import Clock
from bot.core.context import Services
from bot.i18n import Catalogs
from handlers.surveys import office
from handlers.surveys.render import kind_word, local
from handlers.surveys.staff import closed_key, extend_refusal
from storage import surveys
from storage.db import unit_of_work
from storage.survey_models import Survey, SurveyState
from storage.survey_spec import SurveySpecError, check_survey


def services(settings: Settings) -> Services:
    """What queuing pushes needs, outside the running bot."""
    return Services(settings=settings, catalogs=Catalogs(settings.locale), clock=Clock())


LIST_KEYS = {"departments", "items", "options", "counted_levels", "reminders"}
NESTED_KEYS = {"eligible.groups": ("eligible", "groups"), "eligible.levels": ("eligible", "levels")}


def read_workbook(path: Path) -> dict:
    """A survey from the first sheet of an .xlsx: a name in column A, its value(s) to the right
    (lists across the row; `question` rows: the text, then its choices).
    """
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    document: dict = {}
    for row in book.worksheets[0].iter_rows(values_only=True):
        cells = [c for c in row if c not in (None, "")]
        if len(cells) < 2:
            continue
        key, values = str(cells[0]).strip(), cells[1:]
        if key in NESTED_KEYS:
            outer, inner = NESTED_KEYS[key]
            document.setdefault(outer, {})[inner] = [str(v) for v in values]
        elif key == "question":
            document.setdefault("questions", []).append(
                {"text": str(values[0]), "choices": [str(v) for v in values[1:]]})
        else:
            document[key] = [str(v) for v in values] if key in LIST_KEYS else values[0]
    book.close()
    return document


def read_document(path: Path) -> object:
    """The survey in `path`: YAML (UTF-8) or an .xlsx workbook."""
    if path.suffix.lower() == ".xlsx":
        return read_workbook(path)
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def create_survey(settings: Settings, path: Path) -> Outcome:
    """Check the file and create the survey as a draft; every problem is named, nothing made."""
    t = translator(settings)
    try:
        document = read_document(path)
    except (yaml.YAMLError, UnicodeDecodeError, OSError, ValueError, KeyError) as error:
        return Outcome(False, t("surveys.cli.unreadable", file=path.name, error=str(error)))
    with office_engine(settings) as engine:
        try:
            with unit_of_work(engine) as session:
                now = Clock().utcnow()
                draft = check_survey(session, document, settings.tz, now)
                survey = surveys.create(session, draft, None, now)
                count = surveys.count_audience(session, survey)
                text = t("surveys.cli.created", number=survey.id, title=survey.title,
                         count=count, opens=local(survey.opens_at, settings.tz))
        except SurveySpecError as error:
            lines = [t("surveys.cli.rejected", file=path.name, count=len(error.problems))]
            lines += [f"- {t(key, **values)}" for key, values in error.problems]
            return Outcome(False, "\n".join(lines))
    return Outcome(True, text)


def list_surveys(settings: Settings) -> str:
    """Every survey with its number, kind, state and times, newest first."""
    t = translator(settings)
    with office_engine(settings) as engine, unit_of_work(engine) as session:
        found = surveys.all_surveys(session)
        if not found:
            return t("surveys.none")
        from handlers.surveys.staff import STATE_KEYS

        return "\n".join(t("surveys.list_line", number=s.id, title=s.title,
                           kind=kind_word(t, s), state=t(STATE_KEYS[s.state]),
                           closes=local(s.closes_at, settings.tz)) for s in found)


def _with_survey(settings: Settings, number: int, act) -> Outcome:
    t = translator(settings)
    with office_engine(settings) as engine, unit_of_work(engine) as session:
        survey = session.get(Survey, number)
        if survey is None:
            return Outcome(False, t("surveys.not_found", number=number))
        return act(t, session, survey)


def open_survey(settings: Settings, number: int) -> Outcome:
    """Open a draft now and send it to every eligible delegate."""
    def act(t, session, survey):
        count = office.open_now(session, services(settings), survey.id)
        if count is None:
            return Outcome(False, t("surveys.already_open", number=survey.id))
        return Outcome(True, t("surveys.opened", number=survey.id, count=count))
    return _with_survey(settings, number, act)


def close_survey(settings: Settings, number: int) -> Outcome:
    """Close now and report the results."""
    def act(t, session, survey):
        if not office.close_and_report(session, services(settings), survey.id,
                                       Clock().utcnow()):
            return Outcome(False, t("surveys.already_closed", number=survey.id))
        return Outcome(True, t(closed_key(session, survey.id), number=survey.id))
    return _with_survey(settings, number, act)


def publish_survey(settings: Settings, number: int) -> Outcome:
    """Publish a closed survey's results as they are (participation short of the threshold)."""
    def act(t, session, survey):
        if not office.publish_as_is(session, services(settings), survey.id, Clock().utcnow()):
            key = "surveys.already_published" if office.published(session, survey.id) \
                else "surveys.results_not_yet"
            return Outcome(False, t(key, number=survey.id))
        return Outcome(True, t("surveys.published", number=survey.id))
    return _with_survey(settings, number, act)


def extend_survey(settings: Settings, number: int, days: int) -> Outcome:
    """Close `days` later (reopening a closed survey); non-voters are told."""
    def act(t, session, survey):
        now = Clock().utcnow()
        closes = max(now, survey.closes_at) + timedelta(days=days)
        if days < 1 or not office.extend(session, services(settings), survey.id, closes, now):
            return Outcome(False, t(extend_refusal(session, survey.id), number=survey.id))
        return Outcome(True, t("surveys.extended", number=survey.id,
                               closes=local(closes, settings.tz)))
    return _with_survey(settings, number, act)


def export_survey(settings: Settings, number: int, out: Path) -> Outcome:
    """Write the 测评结果表 of one survey."""
    from handlers.surveys.export import write_results

    if out.suffix.lower() != ".xlsx":
        out = out.with_suffix(".xlsx")
    out.parent.mkdir(parents=True, exist_ok=True)

    def act(t, session, survey):
        if survey.results_at is None:
            key = "surveys.results_unpublished" if survey.state == SurveyState.CLOSED.value \
                else "surveys.results_not_yet"
            return Outcome(False, t(key, number=survey.id))
        write_results(session, survey, out, t, settings.tz)
        return Outcome(True, t("surveys.cli.exported", number=survey.id, file=str(out)))
    return _with_survey(settings, number, act)
