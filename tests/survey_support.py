"""Survey tests: a survey made from a document in the demo county, opened, and ballots cast."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.app import App
from handlers.surveys import office
from storage import surveys
from storage.db import unit_of_work
from storage.models import Department, Person
from storage.survey_models import Survey, SurveyItem, SurveyVoter
from storage.survey_spec import check_survey
from tests.given import invite_code
from tests.support import Dialog

RATINGS = ["满意", "基本满意", "不满意", "不了解"]


def departments(engine: Engine, count: int = 3) -> list[str]:
    """The first demo departments' names."""
    with unit_of_work(engine) as session:
        return [d.name for d in session.exec(select(Department).order_by(Department.id)
                                             .limit(count)).all()]


def document(app: App, **fields) -> dict:
    """An evaluation of three departments by county and municipal delegates, closing in a week."""
    now = app.services.clock.now().astimezone(app.services.settings.tz)
    doc = {"title": "2026年度部门满意度测评", "kind": "evaluation",
           "departments": departments(app.engine), "options": RATINGS,
           "eligible": {"levels": ["县", "市"]}, "counted_levels": ["县", "市"],
           "opens_at": now.strftime("%Y-%m-%d %H:%M"),
           "closes_at": (now + timedelta(days=7)).strftime("%Y-%m-%d %H:%M")}
    doc.update(fields)
    return doc


def make_survey(app: App, *, open_it: bool = True, **fields) -> int:
    """Create (and open) a survey from a document; its id."""
    with unit_of_work(app.engine) as session:
        draft = check_survey(session, document(app, **fields), app.services.settings.tz,
                             app.services.clock.utcnow())
        survey = surveys.create(session, draft, None, app.services.clock.utcnow())
        survey_id = survey.id
    if open_it:
        with unit_of_work(app.engine) as session:
            assert office.open_now(session, app.services, survey_id) is not None
    return survey_id


def items(engine: Engine, survey_id: int) -> list[SurveyItem]:
    """The survey's items in order."""
    with unit_of_work(engine) as session:
        return surveys.items_of(session, survey_id)


def eligible(engine: Engine, survey_id: int, level: str | None = None) -> list[Person]:
    """Eligible people (of one level), by id."""
    with unit_of_work(engine) as session:
        query = select(Person).join(SurveyVoter, SurveyVoter.person_id == Person.id).where(
            SurveyVoter.survey_id == survey_id).order_by(Person.id)
        if level:
            query = query.where(SurveyVoter.level == level)
        return list(session.exec(query).all())


def survey(engine: Engine, survey_id: int) -> Survey:
    """The survey row."""
    with unit_of_work(engine) as session:
        return session.get(Survey, survey_id)


async def bind(app: App, person: Person, user_id: str) -> Dialog:
    """A dialog bound to `person` (no assertion on the greeting: delegates are many)."""
    dialog = Dialog(app, user_id=user_id)
    await dialog.send(f"/start {invite_code(app.engine, person.id)}")
    return dialog


async def vote(dialog: Dialog, survey_id: int, person_id: int, answers: list[str]) -> None:
    """Press the start button of one's own copy, answer each page by label, submit."""
    await dialog.press(f"sv:go:{survey_id}:{person_id}")
    for answer in answers:
        await dialog.press(answer)
    await dialog.press("提交")
    assert "已提交" in dialog.text, dialog.text
