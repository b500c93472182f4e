"""What a handler gets besides the event: the session, the actor, the catalog, the clock, pushes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot.config import Settings
from bot.core.clock import Clock
from bot.core.quiet import next_allowed
from bot.core.types import Event, Reply
from bot.i18n import Catalogs, Translator
from storage import audit, outbox
from storage.models import Person, Role

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from bot.core.router import Router
    from storage.media import MediaStore
    from storage.outbox_signal import OutboxSignal


@dataclass
class Services:
    """Long-lived collaborators built once in the composition root."""

    settings: Settings
    catalogs: Catalogs
    clock: Clock
    router: Router | None = None
    media: MediaStore | None = None
    engine: Engine | None = None
    outbox_signal: OutboxSignal | None = None


@dataclass
class Context:
    """Everything a handler needs for one event, inside one transaction."""

    session: Session
    event: Event
    services: Services
    person: Person | None = None
    roles: frozenset[Role] = frozenset()
    flow_step: str | None = None  # the flow this event is a step of, set by the router
    discarding: bool = False  # the person chose to discard their draft for this event
    t: Translator = field(init=False)
    later: list[Callable[[], Awaitable[list[Reply]]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        chosen = self.person.locale if self.person else None
        self.use_locale(chosen or self.event.language_hint)

    def use_locale(self, locale: str | None) -> None:
        """Speak this locale from now on in this event."""
        self.t = self.services.catalogs.translator(locale)

    @property
    def now(self) -> datetime:
        """Aware UTC now, as stored."""
        return self.services.clock.utcnow()

    def has_any(self, *roles: Role) -> bool:
        """True when the actor holds one of these roles."""
        return bool(self.roles.intersection(roles))

    def after_commit(self, work: Callable[[], Awaitable[list[Reply]]]) -> None:
        """Run `work` once this event's transaction has committed, outside it; its replies
        follow the handler's. Slow work (an export) goes here: a handler never awaits a network
        or CPU-heavy step while its transaction holds the database.
        """
        self.later.append(work)

    def audit(self, action: str, **details: Any) -> None:
        """Append to the audit log as the acting person."""
        audit.record(self.session, self.now, self.person.id if self.person else None,
                     action, **details)

    def push(self, person: Person, dedupe_key: str, render, *, quiet: bool = True) -> bool:
        """Queue a push to `person` in their own language; `render(t) -> Reply`."""
        translator = self.services.catalogs.translator(person.locale)
        reply: Reply = render(translator)
        return queue_push(self.session, self.services, person.id, dedupe_key, reply, quiet=quiet)


def new_push(services: Services, person_id: int, dedupe_key: str, reply: Reply, *,
             quiet: bool = True) -> outbox.NewPush:
    """An outbox row for `reply`, due at once or, when `quiet`, after quiet hours."""
    now = services.clock.now()
    settings = services.settings
    due = next_allowed(now, settings.quiet_hours_start, settings.quiet_hours_end, settings.tz) \
        if quiet else now
    return outbox.NewPush(dedupe_key, person_id, reply.to_dict(), due)


def queue_push(session: Session, services: Services, person_id: int, dedupe_key: str,
               reply: Reply, *, quiet: bool = True) -> bool:
    """Write a push to the outbox unless its key is there; held through quiet hours if `quiet`."""
    push = new_push(services, person_id, dedupe_key, reply, quiet=quiet)
    return outbox.enqueue_many(session, [push], services.clock.now()) == 1
