"""Tables of notices (通知): the notice, its files and one row per recipient."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel


class AudienceKind(StrEnum):
    """Whom a notice goes to: groups (leaders and staff), levels, townships, everyone (staff)."""

    GROUPS = "groups"
    LEVELS = "levels"
    TOWNSHIPS = "townships"
    EVERYONE = "everyone"


class Notice(SQLModel, table=True):
    """A notice a squad leader or staff sent; `audience` is {"kind": …, "values": […]}.

    `repings` counts the re-pings by hand (each is conditional on the count it was offered at,
    so a double tap sends one); the automatic re-ping is number 0, once per recipient.
    """

    __table_args__ = (Index("ix_notice_author_created", "author_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="person.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    audience: dict = Field(sa_column=Column(JSON, nullable=False))
    urgent: bool = Field(default=False)
    created_at: datetime = Field(index=True)
    withdrawn_at: datetime | None = None
    repings: int = Field(default=0)


class NoticeFileKind(StrEnum):
    """What a file of a notice is."""

    PHOTO = "photo"
    DOCUMENT = "document"


class NoticeFile(SQLModel, table=True):
    """A photo or document of a notice, stored content-addressed in the media store."""

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", index=True, ondelete="CASCADE")
    sha256: str = Field(max_length=64)
    ext: str = Field(max_length=8)
    kind: str = Field(max_length=10)
    position: int = Field(default=0)


class NoticeRecipient(SQLModel, table=True):
    """One person a notice went to, once however many chosen groups they are in.

    `group_id` is the first chosen group they are in (for progress per group); None for an
    audience of levels, townships or everyone. `delivered_at` is copied from the outbox
    (the delivery worker is not told about notices); `acknowledged_at` is set once, by a
    conditional update; `reminded_at` is the last re-ping.
    """

    __table_args__ = (Index("ix_notice_recipient_person", "person_id"),)

    notice_id: int = Field(foreign_key="notice.id", primary_key=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", primary_key=True, ondelete="CASCADE")
    group_id: int | None = Field(default=None, foreign_key="delegate_group.id",
                                 ondelete="SET NULL")
    delivered_at: datetime | None = None
    acknowledged_at: datetime | None = None
    reminded_at: datetime | None = None
