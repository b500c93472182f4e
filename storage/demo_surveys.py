"""The demo county's surveys: a closed 2025 department evaluation with its ballots, and an open
2027 livelihood-projects vote (票决) with some ballots cast; no pushes are queued for either.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from storage import surveys
from storage.models import Department, Level
from storage.survey_models import DEFAULT_COUNTED_LEVELS, DONT_KNOW, SurveyKind, SurveyVoter
from storage.survey_spec import SurveyDraft

SEED = 2025
RATINGS = ["满意", "基本满意", "不满意", DONT_KNOW]
# per department: chances of 满意, 基本满意, 不满意, 不了解 (one department is flagged)
WEIGHTS = [(6, 3, 1, 1), (5, 3, 1, 1), (4, 4, 1, 1), (7, 2, 1, 0), (3, 3, 4, 1)]
PROJECTS = ("城区公共停车场建设", "老旧小区改造", "农村公路提档升级", "中小学食堂改造",
            "社区养老服务驿站", "城乡供水一体化", "县医院急诊楼改造", "农贸市场提升",
            "公共厕所新建改建", "背街小巷亮化", "全民健身场地", "农村污水治理")
EVALUATION_BALLOTS, VOTE_BALLOTS = 72, 24


def _cast(session: Session, survey_id: int, count: int, choose, day: datetime,
          tz: ZoneInfo, rng: random.Random) -> None:
    people = list(session.exec(select(SurveyVoter.person_id).where(
        SurveyVoter.survey_id == survey_id).order_by(SurveyVoter.person_id)).all())
    for person_id in rng.sample(people, count):
        cast_at = day + timedelta(hours=rng.randrange(0, 72))
        surveys.cast(session, survey_id, person_id, choose(), cast_at.astimezone(tz).date(),
                     cast_at)


def _evaluation(session: Session, now: datetime, tz: ZoneInfo, rng: random.Random) -> None:
    departments = session.exec(select(Department).order_by(Department.id)).all()
    opened = now - timedelta(days=14)
    draft = SurveyDraft(
        title="2025年度部门满意度测评（演示）", kind=SurveyKind.EVALUATION,
        items=[("department", d.name, d.id, None) for d in departments], options=RATINGS,
        eligible={"groups": [], "levels": [Level.MUNICIPAL.value, Level.COUNTY.value]},
        counted_levels=list(DEFAULT_COUNTED_LEVELS), opens_at=opened,
        closes_at=opened + timedelta(days=7))
    survey = surveys.create(session, draft, None, opened)
    surveys.open_survey(session, survey.id)
    items = surveys.items_of(session, survey.id)

    def choose() -> dict:
        return {str(item.id): rng.choices(RATINGS, WEIGHTS[n % len(WEIGHTS)])[0]
                for n, item in enumerate(items)}

    _cast(session, survey.id, EVALUATION_BALLOTS, choose, opened, tz, rng)
    surveys.close(session, survey.id, draft.closes_at)
    surveys.publish(session, survey.id, draft.closes_at)


def _vote(session: Session, now: datetime, tz: ZoneInfo, rng: random.Random) -> None:
    opened = now - timedelta(days=1)
    draft = SurveyDraft(
        title="2027年民生实事项目票决（演示）", kind=SurveyKind.VOTE,
        items=[("option", name, None, None) for name in PROJECTS], options=[],
        eligible={"groups": [], "levels": [Level.COUNTY.value]},
        counted_levels=[Level.COUNTY.value], opens_at=opened,
        closes_at=now + timedelta(days=6), max_choices=5, min_choices=1)
    survey = surveys.create(session, draft, None, opened)
    surveys.open_survey(session, survey.id)
    ids = [item.id for item in surveys.items_of(session, survey.id)]
    popular = ids[:7]

    def choose() -> dict:
        return {"picked": rng.sample(popular if rng.random() < 0.7 else ids, 5)}

    _cast(session, survey.id, VOTE_BALLOTS, choose, opened, tz, rng)


def load_demo_surveys(session: Session, now: datetime, tz: ZoneInfo) -> None:
    """Add both demo surveys (the caller loads the demo once)."""
    rng, now = random.Random(SEED), now.replace(minute=0, second=0, microsecond=0)
    _evaluation(session, now, tz, rng)
    _vote(session, now, tz, rng)
