"""Tables of surveys (满意度测评) and votes (票决): who may vote and who has, and secret ballots.

Secrecy rules, kept by the schema itself:

- `SurveyVoter` says who is eligible and on which day (a DATE, never a time) they voted.
- `SurveyBallot` holds the choices and nothing that points at a person or at a voter row: no
  person id, no session, no date or time, and a random UUID as its key (no sequence that follows
  the order of voting). On SQLite the table is WITHOUT ROWID, so not even the hidden rowid keeps
  the order; on PostgreSQL the close rewrites the survey's ballots in one statement, so their
  transaction ids and places on disk no longer follow the casting (a reader of the live database
  files during the vote is outside what this rule can cover; see README).
- The only breakdown a ballot carries is the voter's level (省/市/县/乡…), shown only for levels
  with at least 5 ballots.
- A half-finished ballot lives in the voter's own conversation row and is deleted at submit.
  Changing is possible before submit (the summary offers 修改); a submitted ballot is final,
  because replacing it would need a link from the voter to their ballot.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

DEFAULT_OPTIONS = ("满意", "基本满意", "不满意")
DONT_KNOW = "不了解"
DEFAULT_COUNTED_LEVELS = ("provincial", "municipal", "county")


class SurveyKind(StrEnum):
    """A department evaluation (one rating per department) or a K-of-N vote."""

    EVALUATION = "evaluation"
    VOTE = "vote"


class SurveyState(StrEnum):
    """draft → open → closed (an extension reopens a closed survey)."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Survey(SQLModel, table=True):
    """A survey or vote: its questions are locked (`locked`) once any ballot exists.

    `options` are the ratings of an evaluation (the last may be 不了解); `eligible` is
    {"groups": [ids], "levels": [names]} (either may be empty, not both); `counted_levels`
    are the levels whose delegates count towards `min_participation` percent; `reminders`
    are ISO times at which non-voters are reminded. `results_at` is set once, when the results
    are published; after that the survey is never reopened (new ballots would show by difference).
    """

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    kind: str = Field(max_length=12)
    options: list = Field(sa_column=Column(JSON, nullable=False))
    max_choices: int = Field(default=1)
    min_choices: int = Field(default=1)
    allow_change: bool = Field(default=True)
    eligible: dict = Field(sa_column=Column(JSON, nullable=False))
    counted_levels: list = Field(sa_column=Column(JSON, nullable=False))
    min_participation: int = Field(default=25)
    flag_above: int = Field(default=30)
    reminders: list = Field(sa_column=Column(JSON, nullable=False))
    opens_at: datetime
    closes_at: datetime
    state: str = Field(default=SurveyState.DRAFT.value, max_length=8, index=True)
    locked: bool = Field(default=False)
    author_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime
    closed_at: datetime | None = None
    reminded: int = Field(default=0)
    results_at: datetime | None = None  # set once, when the results are published


class ItemKind(StrEnum):
    """A department rated with the survey's options, an option of a vote, an extra question."""

    DEPARTMENT = "department"
    OPTION = "option"
    QUESTION = "question"


class SurveyItem(SQLModel, table=True):
    """One department, vote option or extra single-choice question, in its order."""

    __table_args__ = (Index("ix_surveyitem_survey_position", "survey_id", "position",
                            unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", ondelete="CASCADE")
    position: int
    kind: str = Field(max_length=12)
    label: str = Field(max_length=200)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    choices: list | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class SurveyVoter(SQLModel, table=True):
    """Someone eligible, fixed when the survey opens; `voted_on` is the day only, no time."""

    __table_args__ = (Index("ix_surveyvoter_person", "person_id"),)

    survey_id: int = Field(foreign_key="survey.id", primary_key=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", primary_key=True, ondelete="CASCADE")
    group_id: int | None = Field(default=None, foreign_key="delegate_group.id",
                                 ondelete="SET NULL")
    level: str | None = Field(default=None, max_length=16)
    counted: bool = Field(default=True)
    voted_on: date | None = None
    reminded_at: datetime | None = None


class SurveyBallot(SQLModel, table=True):
    """One submitted ballot: random key, the survey, the voter's level, the choices. Nothing else.

    `choices` maps an item id to the chosen option (an evaluation or question) or lists the
    chosen option item ids under "picked" (a vote).
    """

    __table_args__ = ({"sqlite_with_rowid": False},)

    id: str = Field(primary_key=True, max_length=32)
    survey_id: int = Field(foreign_key="survey.id", ondelete="CASCADE", index=True)
    level: str | None = Field(default=None, max_length=16)
    choices: dict = Field(sa_column=Column(JSON, nullable=False))
