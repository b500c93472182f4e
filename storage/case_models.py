"""Tables of problem cases (问题清单): cases, co-reporters, their media and extension requests."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Integer, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel


class CaseStatus(StrEnum):
    """Where a case is in its lifecycle (see bot/flows/case_lifecycle.py)."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    MERGED = "merged"
    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RECTIFIED = "rectified"
    CLOSED = "closed"


FINAL_STATUSES = (CaseStatus.REJECTED, CaseStatus.MERGED, CaseStatus.CLOSED)
WITH_DEPARTMENT = (CaseStatus.ASSIGNED, CaseStatus.ACKNOWLEDGED, CaseStatus.IN_PROGRESS,
                   CaseStatus.RECTIFIED)


class Satisfaction(StrEnum):
    """The reporter's verdict on a fix."""

    SATISFIED = "satisfied"  # 满意
    BASIC = "basic"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意


CASE_VERSION = Column("version", Integer, nullable=False, server_default="1")


class Case(SQLModel, table=True):
    """A problem lead that became a case: one row however many squads reported it.

    `version` counts the row's updates; every UPDATE is conditional on the version it read, so of
    two processes moving one case at once, the second fails (StaleDataError) instead of winning.
    """

    __tablename__ = "problem_case"
    __table_args__ = (
        UniqueConstraint("year", "seq"),
        Index("ix_case_status_deadline", "status", "deadline"),
        Index("ix_case_department_status_deadline", "department_id", "status", "deadline"),
        Index("ix_case_group_status", "group_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    year: int
    seq: int
    number: str = Field(max_length=12, unique=True)
    status: str = Field(default=CaseStatus.SUBMITTED, max_length=16)
    area_id: int = Field(foreign_key="area.id", index=True)
    township: str | None = Field(default=None, max_length=50)
    description: str = Field(sa_column=Column(Text, nullable=False))
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = Field(default=None, max_length=200)
    reporter_id: int = Field(foreign_key="person.id", index=True)
    group_id: int = Field(foreign_key="delegate_group.id")
    department_id: int | None = Field(default=None, foreign_key="department.id")
    merged_into_id: int | None = Field(default=None, foreign_key="problem_case.id")
    rejection_reason: str | None = Field(default=None, max_length=500)
    assigned_at: datetime | None = None
    deadline: datetime | None = None
    acknowledged_at: datetime | None = None
    rectified_at: datetime | None = None
    closed_at: datetime | None = None
    satisfaction: str | None = Field(default=None, max_length=16)
    verified_by_id: int | None = Field(default=None, foreign_key="person.id")
    progress_note: str | None = Field(default=None, max_length=2000)
    reopen_count: int = Field(default=0)
    key_supervision: bool = Field(default=False)
    version: int = Field(default=1, sa_column=CASE_VERSION)
    created_at: datetime
    updated_at: datetime

    __mapper_args__ = {"version_id_col": CASE_VERSION}


class CaseReporter(SQLModel, table=True):
    """A delegate who reported the case (the first reporter and every co-reporter)."""

    case_id: int = Field(foreign_key="problem_case.id", primary_key=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", primary_key=True, index=True)
    group_id: int = Field(foreign_key="delegate_group.id")
    joined_at: datetime


class MediaKind(StrEnum):
    """What a stored file shows."""

    PHOTO = "photo"  # the reporter's photo of the problem
    VOICE = "voice"  # a voice note kept with the report
    PROGRESS = "progress"  # a department's progress photo
    EVIDENCE = "evidence"  # a department's photo proving the fix


class CaseMedia(SQLModel, table=True):
    """A photo or voice note of a case, stored content-addressed under the data directory."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="problem_case.id", index=True, ondelete="CASCADE")
    sha256: str = Field(max_length=64)
    ext: str = Field(max_length=8)
    kind: str = Field(max_length=10)
    added_by_id: int = Field(foreign_key="person.id")
    added_at: datetime


class Extension(SQLModel, table=True):
    """A department's request for more time (延期) and staff's decision.

    At most one request per case waits for a decision; a partial unique index keeps it so.
    """

    __table_args__ = (
        Index("uq_extension_pending", "case_id", unique=True,
              sqlite_where=text("approved IS NULL"), postgresql_where=text("approved IS NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="problem_case.id", index=True, ondelete="CASCADE")
    requested_by_id: int = Field(foreign_key="person.id")
    working_days: int
    reason: str = Field(max_length=500)
    requested_at: datetime
    decided_by_id: int | None = Field(default=None, foreign_key="person.id")
    decided_at: datetime | None = None
    approved: bool | None = None


class EscalationMark(SQLModel, table=True):
    """A rung of the escalation ladder done for a case, for one value of its basis (the
    assignment, deadline or fix it was about): the sweep asks only for cases without one.
    """

    case_id: int = Field(foreign_key="problem_case.id", primary_key=True, ondelete="CASCADE")
    rung: str = Field(max_length=20, primary_key=True)
    basis: datetime = Field(primary_key=True)
    at: datetime
