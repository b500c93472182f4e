"""SQLModel tables of the roster, identities, conversations, audit log and outbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class Level(StrEnum):
    """Delegate level: the five levels of people's congresses."""

    NATIONAL = "national"
    PROVINCIAL = "provincial"
    MUNICIPAL = "municipal"
    COUNTY = "county"
    TOWNSHIP = "township"


class GroupKind(StrEnum):
    """Kinds of delegate group seen in the campaigns."""

    INSPECTION = "inspection"  # 执法检查组
    TASK_SQUAD = "task_squad"  # 工作专班
    THEMATIC = "thematic"  # 专项代表小组
    TOWNSHIP = "township"  # 乡镇代表小组
    GRASSROOTS = "grassroots"  # 基层工作组


class Role(StrEnum):
    """What a person may do. Delegate, squad leader and liaison are derived from the roster."""

    DELEGATE = "delegate"
    SQUAD_LEADER = "squad_leader"
    STAFF = "staff"
    LIAISON = "liaison"
    LEADERSHIP = "leadership"


ASSIGNABLE_ROLES = (Role.STAFF, Role.LEADERSHIP)


class Area(SQLModel, table=True):
    """A supervision area of the campaign (the "6+1" list), configured per deployment."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name_zh: str = Field(max_length=100)
    name_en: str = Field(max_length=100)
    deadline_working_days: int = Field(default=15)
    position: int = Field(default=0)


class Person(SQLModel, table=True):
    """Anyone on the roster: delegates, staff, department liaisons, leadership."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=50, index=True)
    phone: str = Field(max_length=20, unique=True)
    level: str | None = Field(default=None, max_length=16)
    township: str | None = Field(default=None, max_length=50)
    wecom_userid: str | None = Field(default=None, max_length=64, unique=True)
    locale: str | None = Field(default=None, max_length=8)
    active: bool = Field(default=True)
    created_at: datetime


class Group(SQLModel, table=True):
    """A delegate group (代表小组): the unit of work."""

    __tablename__ = "delegate_group"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    kind: str = Field(max_length=16)
    area_id: int | None = Field(default=None, foreign_key="area.id")
    township: str | None = Field(default=None, max_length=50)


class Membership(SQLModel, table=True):
    """A person in a group; `is_leader` marks the squad leader (组长)."""

    person_id: int = Field(foreign_key="person.id", primary_key=True, ondelete="CASCADE")
    group_id: int = Field(foreign_key="delegate_group.id", primary_key=True, ondelete="CASCADE")
    is_leader: bool = Field(default=False)


class Department(SQLModel, table=True):
    """A government department (责任单位) that fixes problems and is evaluated."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    short_name: str = Field(default="", max_length=20)


class Liaison(SQLModel, table=True):
    """A person who answers for a department in the bot (联络员)."""

    person_id: int = Field(foreign_key="person.id", primary_key=True, ondelete="CASCADE")
    department_id: int = Field(foreign_key="department.id", primary_key=True, ondelete="CASCADE")


class RoleGrant(SQLModel, table=True):
    """An explicit role (staff, leadership); the others follow from groups and departments."""

    person_id: int = Field(foreign_key="person.id", primary_key=True, ondelete="CASCADE")
    role: str = Field(max_length=16, primary_key=True)


class ChannelIdentity(SQLModel, table=True):
    """A chat account on one channel bound to a person."""

    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    bound_at: datetime
    unreachable_since: datetime | None = None  # blocked the bot / account gone, until they write
    unreachable_reason: str | None = Field(default=None, max_length=200)


class Invite(SQLModel, table=True):
    """A one-time, expiring code that binds a chat account to a person."""

    code: str = Field(primary_key=True, max_length=8)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    created_at: datetime
    expires_at: datetime
    redeemed_at: datetime | None = None
    redeemed_by: str | None = Field(default=None, max_length=90)


class Conversation(SQLModel, table=True):
    """The multi-step flow a person is in: flow name, state and draft data."""

    person_id: int = Field(foreign_key="person.id", primary_key=True, ondelete="CASCADE")
    flow: str = Field(max_length=32)
    state: str = Field(max_length=32)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime
    reminded_at: datetime | None = None


class AuditEntry(SQLModel, table=True):
    """Append-only record of every move: who, when, what, from, to, note."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_subject", "subject_type", "subject_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    action: str = Field(max_length=40)
    subject_type: str = Field(default="", max_length=20)
    subject_id: int | None = None
    from_state: str | None = Field(default=None, max_length=32)
    to_state: str | None = Field(default=None, max_length=32)
    note: str = Field(default="", max_length=2000)


class OutboxStatus(StrEnum):
    """Where an outbox row is in its delivery."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"  # its addressee was deactivated


class OutboxMessage(SQLModel, table=True):
    """A push the bot sends on its own; `dedupe_key` makes every push happen at most once."""

    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=200, unique=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    payload: dict = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default=OutboxStatus.PENDING, max_length=10)
    attempts: int = Field(default=0)
    not_before: datetime
    claimed_at: datetime | None = None
    claim_token: str | None = Field(default=None, max_length=64)  # host/pid/random of a worker
    parts_sent: int = Field(default=0)  # of a multi-part push (texts, then files), for resuming
    created_at: datetime
    sent_at: datetime | None = None
    channel: str | None = Field(default=None, max_length=16)
    last_error: str | None = Field(default=None, max_length=500)


class Attempt(SQLModel, table=True):
    """One try of something limited per chat account (e.g. an invite code), for rate limits."""

    __table_args__ = (Index("ix_attempt_kind_account_at", "kind", "account", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    account: str = Field(max_length=100)
    at: datetime = Field(index=True)


class ProcessedUpdate(SQLModel, table=True):
    """Messenger updates already handled, so a redelivery is not handled twice."""

    channel: str = Field(max_length=16, primary_key=True)
    update_key: str = Field(max_length=64, primary_key=True)
    at: datetime = Field(index=True)
