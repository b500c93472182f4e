"""Tables of activities (视察, 座谈会, 培训 …): the activity, its invitations, the answers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class ActivityKind(StrEnum):
    """Every kind of gathering of the delegate groups."""

    INSPECTION = "inspection"  # 视察
    SURVEY = "survey"  # 调研
    UNANNOUNCED = "unannounced"  # 明察暗访: visible only to the invited
    DISCUSSION = "discussion"  # 座谈会
    JOINT_MEETING = "joint_meeting"  # 联席会议
    TRAINING = "training"  # 培训
    CONTEST = "contest"  # 擂台赛
    OTHER = "other"  # 其他


MEETINGS = frozenset({ActivityKind.DISCUSSION, ActivityKind.JOINT_MEETING})  # 参加 / 请假


class ActivityState(StrEnum):
    """An activity stands until it is cancelled."""

    ACTIVE = "active"
    CANCELLED = "cancelled"


class Answer(StrEnum):
    """A person's answer to an invitation; `none` until they answer."""

    NONE = "none"
    SIGNED_UP = "signed_up"  # 报名 / 参加
    WAITLISTED = "waitlisted"  # 候补: the activity was full
    DECLINED = "declined"  # 不参加
    LEAVE = "leave"  # 请假, with a reason (meetings)
    WITHDRAWN = "withdrawn"  # signed up, then withdrew (late when after the cut-off)


class Activity(SQLModel, table=True):
    """One gathering. `signed_up` counts the seats taken; every change to it is a conditional
    update (a seat is taken only while `signed_up < capacity`), so two taps for the last seat
    give one seat. `version` grows with each change of time or place.
    """

    __table_args__ = (Index("ix_activity_state_start", "state", "start_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    title: str = Field(max_length=100)
    start_at: datetime
    end_at: datetime
    place: str = Field(default="", max_length=200)
    latitude: float | None = None
    longitude: float | None = None
    capacity: int | None = None
    signed_up: int = Field(default=0)
    signup_deadline: datetime | None = None
    organiser_id: int = Field(foreign_key="person.id", index=True)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False))
    state: str = Field(default=ActivityState.ACTIVE, max_length=10)
    version: int = Field(default=1)
    series_id: int | None = Field(default=None, index=True)  # the first occurrence's id
    created_at: datetime


class ActivityInvite(SQLModel, table=True):
    """A group or a person the activity invites (exactly one of the two)."""

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", index=True, ondelete="CASCADE")
    group_id: int | None = Field(default=None, foreign_key="delegate_group.id",
                                 ondelete="CASCADE")
    person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="CASCADE")


class ActivityAnswer(SQLModel, table=True):
    """One invited person's answer (one row per activity and person, made at invitation).

    Every change is `UPDATE … WHERE answer = <the answer we decided from>`; the waitlist is
    ordered by `answered_at`, then id. `late` marks a withdrawal after the cut-off.
    """

    __table_args__ = (UniqueConstraint("activity_id", "person_id"),
                      Index("ix_activityanswer_person", "person_id"))

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    group_id: int | None = Field(default=None, foreign_key="delegate_group.id",
                                 ondelete="SET NULL")
    answer: str = Field(default=Answer.NONE, max_length=12)
    reason: str = Field(default="", max_length=200)
    late: bool = Field(default=False)
    answered_at: datetime | None = None
    checked_in_at: datetime | None = None
    marked_by: int | None = Field(default=None, foreign_key="person.id")


class ActivityLog(SQLModel, table=True):
    """The work log (工作日志) the organiser writes after the activity; one per activity.
    Attendance is not typed: it is read from the answers when the log is shown.
    """

    activity_id: int = Field(foreign_key="activity.id", primary_key=True, ondelete="CASCADE")
    author_id: int = Field(foreign_key="person.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime


class ActivityLogPhoto(SQLModel, table=True):
    """A photo of a work log, stored content-addressed in the media store."""

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activitylog.activity_id", index=True,
                             ondelete="CASCADE")
    sha256: str = Field(max_length=64)
    ext: str = Field(max_length=8)
    position: int = Field(default=0)


class ActivityCase(SQLModel, table=True):
    """A case its reporter marked "found during this inspection" when reporting it."""

    activity_id: int = Field(foreign_key="activity.id", primary_key=True, ondelete="CASCADE")
    case_id: int = Field(foreign_key="problem_case.id", primary_key=True, ondelete="CASCADE")
    linked_at: datetime
