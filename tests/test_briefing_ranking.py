"""The squads' ranking: the published score, the minimum sample, ties, the 约谈 flag."""

from __future__ import annotations

from handlers.briefing.ranking import Ranking, Standing, flagged, rank, score
from storage.briefing_figures import Counts, SquadFigures


def squad(id_: int, name: str, *, assigned: int, closed: int, on_time: int, total: int,
          members: int) -> SquadFigures:
    return SquadFigures(id_, name, members, Counts(total=total, assigned=assigned, closed=closed,
                                                   closed_on_time=on_time))


def test_the_score_is_sixty_closure_twenty_five_timeliness_fifteen_activity():
    # 60 × 2/4 + 25 × 1/2 + 15 × min(10 / 10, 1) = 30 + 12.5 + 15
    assert score(Counts(total=10, assigned=4, closed=2, closed_on_time=1), 10) == 57.5
    # 60 × 5/5 + 25 × 5/5 + 15 × 2/10 = 60 + 25 + 3
    assert score(Counts(total=2, assigned=5, closed=5, closed_on_time=5), 10) == 88.0
    # activity is capped: 40 cases by 10 members earn 15, not 60
    assert score(Counts(total=40, assigned=4, closed=0), 10) == 15.0
    assert score(Counts(), 0) == 0.0  # nothing assigned, nobody in the squad


def test_a_squad_below_the_minimum_sample_is_listed_unranked_not_on_top():
    quick = squad(3, "丙专班", assigned=1, closed=1, on_time=1, total=5, members=5)  # score 100
    steady = squad(2, "乙专班", assigned=5, closed=5, on_time=5, total=2, members=10)  # 88
    ranking = rank([quick, steady], min_assigned=3)
    assert [s.id for s in ranking.ranked] == [2]
    assert ranking.unranked == [Standing(3, "丙专班", 100.0, 1)]
    assert ranking.first == 2 and ranking.last is None  # one ranked squad is nobody's last


def test_equal_scores_share_a_rank_listed_more_closed_first_then_by_name():
    # all three score 57.5 (see the score test); 戊 closed 4, the others 2; 乙 (U+4E59) sorts
    # before 甲 (U+7532)
    jia = squad(1, "甲专班", assigned=4, closed=2, on_time=1, total=10, members=10)
    yi = squad(2, "乙专班", assigned=4, closed=2, on_time=1, total=10, members=10)
    wu = squad(5, "戊专班", assigned=8, closed=4, on_time=2, total=20, members=20)
    top = squad(9, "壬专班", assigned=5, closed=5, on_time=5, total=2, members=10)  # 88
    ranking = rank([jia, yi, wu, top], min_assigned=3)
    assert [(s.rank, s.name, s.score) for s in ranking.ranked] == [
        (1, "壬专班", 88.0), (2, "戊专班", 57.5), (2, "乙专班", 57.5), (2, "甲专班", 57.5)]
    assert ranking.last == 1  # listed at the bottom by the tie rule


def test_last_in_two_briefings_in_a_row_is_flagged():
    ranking = Ranking([Standing(4, "甲", 90, 3, 1), Standing(7, "乙", 20, 0, 2)], [])
    assert flagged(ranking, previous_last=7) == {7}
    assert flagged(ranking, previous_last=4) == set()  # last before, first now
    assert flagged(ranking, previous_last=None) == set()  # no briefing before
    assert flagged(Ranking([Standing(7, "乙", 20, 0, 1)], []), previous_last=7) == set()
