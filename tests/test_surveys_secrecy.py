"""Secret ballot: nothing in the schema links a person to a choice, and two known voters' ballots
cannot be told apart from the database alone.
"""

from __future__ import annotations

import shutil

from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from bot.app import build_app
from storage.db import make_engine, unit_of_work
from storage.models import Conversation
from storage.survey_models import SurveyBallot, SurveyVoter
from tests.given import audits, conversation_of
from tests.survey_support import bind, eligible, make_survey, vote

BALLOT_COLUMNS = {"id", "survey_id", "level", "choices"}


def test_the_schema_has_no_link_from_a_ballot_to_a_person(engine):
    schema = inspect(engine)
    columns = {c["name"]: c for c in schema.get_columns("surveyballot")}
    assert set(columns) == BALLOT_COLUMNS  # no person, session, voter row, date or time
    assert [(fk["constrained_columns"], fk["referred_table"])
            for fk in schema.get_foreign_keys("surveyballot")] == [(["survey_id"], "survey")]
    pointing_at_ballots = [(table, fk) for table in schema.get_table_names()
                           for fk in schema.get_foreign_keys(table)
                           if fk["referred_table"] == "surveyballot"]
    assert pointing_at_ballots == []
    # The key is a random text, not a sequence that follows the order of voting…
    assert schema.get_pk_constraint("surveyballot")["constrained_columns"] == ["id"]
    assert "CHAR" in str(columns["id"]["type"]).upper()
    # … and the voters' table knows the day of voting, nothing finer.
    voted_on = {c["name"]: c for c in schema.get_columns("surveyvoter")}["voted_on"]
    assert str(voted_on["type"]).upper() == "DATE"
    if engine.dialect.name == "sqlite":  # not even SQLite's hidden rowid keeps the order
        with engine.connect() as connection:
            sql = connection.execute(text(
                "SELECT sql FROM sqlite_master WHERE name = 'surveyballot'")).scalar_one()
        assert "WITHOUT ROWID" in sql.upper()


def test_the_models_keep_the_same_rule():
    ballot = SurveyBallot.__table__
    assert set(ballot.c.keys()) == BALLOT_COLUMNS
    assert {fk.column.table.name for fk in ballot.foreign_keys} == {"survey"}
    assert SurveyVoter.__table__.c.voted_on.type.python_type.__name__ == "date"


def _dump(engine) -> dict[str, list]:
    """Every row of every table, ballot keys left out (they are random), in a fixed order."""
    dump = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            columns = [c for c in table.columns if not (table.name == "surveyballot"
                                                        and c.name == "id")]
            rows = connection.execute(table.select().with_only_columns(*columns)).all()
            dump[table.name] = sorted(repr(tuple(row)) for row in rows)
    return dump


async def _election(template: str, path, settings, clock, swap: bool) -> dict[str, list]:
    """Two known delegates vote A→满意… and B→不满意… (or the other way round)."""
    shutil.copy(template, path)
    engine = make_engine(f"sqlite:///{path}")
    app = build_app(settings, engine, clock)
    survey_id = make_survey(app)
    first, second = eligible(engine, survey_id, "county")[:2]
    happy, unhappy = ["满意", "满意", "满意"], ["不满意", "不满意", "不满意"]
    for n, (person, answers) in enumerate([(first, unhappy if swap else happy),
                                           (second, happy if swap else unhappy)]):
        dialog = await bind(app, person, f"83{n}")
        await vote(dialog, survey_id, person.id, answers)
        assert conversation_of(engine, person.id) is None  # the half-finished ballot is gone
    dump = _dump(engine)
    engine.dispose()
    return dump


async def test_two_known_voters_cannot_be_told_apart(_template_sqlite_demo, tmp_path, settings,
                                                     clock):
    one = await _election(_template_sqlite_demo, tmp_path / "one.db", settings, clock, False)
    other = await _election(_template_sqlite_demo, tmp_path / "other.db", settings, clock, True)
    assert len(one["surveyballot"]) == 2
    assert one == other  # every table reads the same whichever of them chose what


async def test_the_half_finished_ballot_lives_only_in_the_voters_conversation(app, demo):
    survey_id = make_survey(app)
    person = eligible(app.engine, survey_id, "county")[0]
    dialog = await bind(app, person, "8350")
    await dialog.press(f"sv:go:{survey_id}:{person.id}")
    await dialog.press("不满意")
    conversation = conversation_of(app.engine, person.id)
    assert list(conversation.data["answers"].values()) == ["不满意"]
    assert all("不满意" not in b.payload for row in dialog.last[0].buttons for b in row)
    await dialog.press("满意")
    await dialog.press("满意")
    await dialog.press("提交")
    with unit_of_work(app.engine) as session:
        assert session.get(Conversation, person.id) is None


async def test_logs_never_name_a_choice(app, demo, caplog):
    survey_id = make_survey(app)
    person = eligible(app.engine, survey_id, "county")[0]
    dialog = await bind(app, person, "8360")
    caplog.set_level("DEBUG")
    await vote(dialog, survey_id, person.id, ["不满意", "基本满意", "不了解"])
    assert "button:sv:a:" in caplog.text  # the presses were logged…
    assert not any(word in caplog.text for word in ("不满意", "基本满意", "不了解"))  # … blind


async def test_voting_leaves_no_time_finer_than_the_day(app, demo, clock):
    survey_id = make_survey(app)
    person = eligible(app.engine, survey_id, "county")[0]
    dialog = await bind(app, person, "8370")
    clock.advance(hours=3, minutes=17)
    await vote(dialog, survey_id, person.id, ["满意", "满意", "满意"])
    assert audits(app.engine, "survey.voted") == []
    with unit_of_work(app.engine) as session:
        voter = session.get(SurveyVoter, (survey_id, person.id))
    assert voter.voted_on.isoformat() == "2026-11-23" and voter.reminded_at is None
