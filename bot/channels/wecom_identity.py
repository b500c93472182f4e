"""WeCom identities: a member whose roster row names their 企业微信账号 is bound without an invite.

The userid comes from a callback WeCom signed, so it is the member's own; others bind with an
invite code as on Telegram. Shared by every WeCom way in.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from storage import audit, identities
from storage.db import unit_of_work
from storage.models import Person

log = logging.getLogger("liandong.wecom")


def bind_from_roster(engine: Engine, channel: str, userid: str, now: datetime) -> bool:
    """Bind an unbound WeCom userid to the active person whose roster names it; True if bound.

    Insert-if-absent: when two deliveries race, the unique (channel, account) keeps one row.
    """
    with unit_of_work(engine, read_only=True) as session:  # the common case: nothing to do
        if identities.resolve(session, channel, userid) is not None or _owner(
                session, userid) is None:
            return False
    try:
        with unit_of_work(engine) as session:
            person = _owner(session, userid)
            if person is None or identities.resolve(session, channel, userid) is not None:
                return False
            identities.bind(session, channel, userid, person.id, now)
            audit.record(session, now, person.id, "bound", subject_type="person",
                         subject_id=person.id, note=f"{channel} roster account")
    except IntegrityError:  # another delivery bound it first
        return False
    log.info("WeCom member %s bound to person %s from the roster", userid, person.id)
    return True


def _owner(session, userid: str) -> Person | None:
    """The active person whose roster row names this WeCom userid."""
    return session.exec(select(Person).where(Person.wecom_userid == userid,
                                             Person.active)).first()
