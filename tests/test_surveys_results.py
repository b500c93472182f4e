"""Results at the close, with numbers worked out by hand: 不了解, ranks, flags, small levels."""

from __future__ import annotations

from handlers.surveys.results import results_text
from storage import survey_results
from storage.db import unit_of_work
from storage.survey_models import Survey
from tests.given import zh
from tests.survey_support import bind, eligible, make_survey, vote

# Six county ballots on departments A, B, C (in order), and one municipal ballot.
COUNTY = [["满意", "不满意", "不了解"],
          ["满意", "不满意", "满意"],
          ["基本满意", "满意", "满意"],
          ["不满意", "不满意", "基本满意"],
          ["满意", "基本满意", "不了解"],
          ["不了解", "满意", "满意"]]
MUNICIPAL = ["满意", "满意", "满意"]


async def _cast_all(app, survey_id: int) -> None:
    county, municipal = eligible(app.engine, survey_id, "county"), \
        eligible(app.engine, survey_id, "municipal")
    for n, answers in enumerate(COUNTY):
        dialog = await bind(app, county[n], f"81{n:02d}")
        await vote(dialog, survey_id, county[n].id, answers)
    dialog = await bind(app, municipal[0], "8190")
    await vote(dialog, survey_id, municipal[0].id, MUNICIPAL)


def _results(app, survey_id: int) -> survey_results.Results:
    with unit_of_work(app.engine) as session:
        return survey_results.compute(session, session.get(Survey, survey_id))


async def test_rates_ranks_flags_and_dont_know(app, demo):
    survey_id = make_survey(app)
    await _cast_all(app, survey_id)
    results = _results(app, survey_id)
    a, b, c = results.items
    # A: 满意 4, 基本满意 1, 不满意 1, 不了解 1 -> valid 6, 5/6 satisfied, 1/6 dissatisfied
    assert a.counts == {"满意": 4, "基本满意": 1, "不满意": 1, "不了解": 1}
    assert (a.valid, a.satisfied_rate, a.unsatisfied_rate) == (6, 5 / 6, 1 / 6)
    # B: 满意 3, 基本满意 1, 不满意 3 -> valid 7, 4/7 satisfied, 3/7 > 30% flagged
    assert (b.valid, b.satisfied_rate, b.unsatisfied_rate, b.flagged) == (7, 4 / 7, 3 / 7, True)
    # C: 满意 4, 基本满意 1, 不了解 2 -> valid 5, all satisfied
    assert (c.valid, c.satisfied_rate, c.unsatisfied_rate) == (5, 1.0, 0.0)
    assert [(r.rank, r.flagged) for r in (a, b, c)] == [(2, False), (3, True), (1, False)]
    assert results.ballots == 7


async def test_a_level_with_fewer_than_five_ballots_is_hidden(app, demo):
    survey_id = make_survey(app)
    await _cast_all(app, survey_id)
    results = _results(app, survey_id)
    [county, municipal] = results.levels
    assert (county.level, county.ballots, county.hidden) == ("county", 6, False)
    a, b, c = (item.item.id for item in results.items)
    # county only: A 4/5, B 3/6, C 4/4
    assert county.rates == {a: 4 / 5, b: 3 / 6, c: 1.0}
    assert (municipal.level, municipal.ballots, municipal.hidden, municipal.rates) == \
        ("municipal", 1, True, {})
    text = results_text(zh(app), results)
    assert "市人大代表：不足 5 票，不单独显示" in text
    assert "县人大代表（6 票）满意率：" in text
    assert "满意率 83.3%，不满意率 16.7%" in text and "不满意率 42.9%" in text


async def test_threshold_not_met_below_a_quarter(app, demo):
    survey_id = make_survey(app)
    await _cast_all(app, survey_id)
    results = _results(app, survey_id)
    # 150 county + 40 municipal delegates are eligible and counted; 7 voted: 3.7% < 25%
    assert (results.overall.eligible, results.overall.voted) == (190, 7)
    assert not results.threshold_met


async def test_threshold_met_in_a_small_group(app, demo):
    survey_id = make_survey(app, eligible={"groups": ["第一执法检查组"]},
                            counted_levels=["全国", "省", "市", "县", "乡"])
    people = eligible(app.engine, survey_id)
    assert len(people) == 12
    for n, person in enumerate(people[:3]):
        dialog = await bind(app, person, f"82{n:02d}")
        await vote(dialog, survey_id, person.id, ["满意", "满意", "满意"])
    results = _results(app, survey_id)
    # 3 of 12 is exactly 25%: met
    assert (results.overall.voted, results.overall.eligible, results.threshold_met) == \
        (3, 12, True)
