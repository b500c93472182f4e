"""One-time, expiring invite codes with an unambiguous alphabet."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Session, select

from storage.models import Invite, Person

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
CODE_LENGTH = 8


class InviteProblem(StrEnum):
    """Why a code cannot be redeemed."""

    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Redemption:
    """The outcome of redeeming a code."""

    person: Person | None
    problem: InviteProblem | None


def normalize(code: str) -> str:
    """Upper-case, strip spaces and dashes, so typed codes match."""
    return code.strip().upper().replace("-", "").replace(" ", "")


def new_code() -> str:
    """A random code from the unambiguous alphabet."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def issue(session: Session, person_id: int, now: datetime, valid_days: int) -> Invite:
    """Create a fresh invite for a person."""
    while True:
        code = new_code()
        if session.get(Invite, code) is None:
            break
    invite = Invite(code=code, person_id=person_id, created_at=now,
                    expires_at=now + timedelta(days=valid_days))
    session.add(invite)
    return invite


def valid_invite(session: Session, person_id: int, now: datetime) -> Invite | None:
    """An unused, unexpired invite of this person, if one exists."""
    return session.exec(select(Invite).where(
        Invite.person_id == person_id, Invite.redeemed_at.is_(None), Invite.expires_at > now)
    ).first()


def redeem(session: Session, code: str, redeemed_by: str, now: datetime) -> Redemption:
    """Mark a code used by `redeemed_by` (channel:external id) and return whose it was."""
    normalized = normalize(code)
    invite = session.get(Invite, normalized) if len(normalized) == CODE_LENGTH else None
    if invite is None:
        return Redemption(None, InviteProblem.UNKNOWN)
    if invite.redeemed_at is not None:
        return Redemption(None, InviteProblem.USED)
    person = session.get(Person, invite.person_id)
    if invite.expires_at <= now or person is None or not person.active:
        return Redemption(None, InviteProblem.EXPIRED)
    invite.redeemed_at, invite.redeemed_by = now, redeemed_by
    session.add(invite)
    return Redemption(person, None)


def unused(session: Session, now: datetime) -> list[tuple[Invite, Person]]:
    """Every unused, unexpired invite with its person, by name."""
    return list(session.exec(
        select(Invite, Person).join(Person, Person.id == Invite.person_id)
        .where(Invite.redeemed_at.is_(None), Invite.expires_at > now)
        .order_by(Person.name, Person.id)
    ).all())
