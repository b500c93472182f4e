"""Routes an event to a handler: commands, button payloads, the open conversation; checks roles."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from bot.core.context import Context
from bot.core.types import EventKind, Reply
from bot.flows.engine import FlowSpec, StateMachine, flow_machine, parse_flow_payload
from storage import conversations
from storage.models import Conversation, Role

Handler = Callable[[Context], Awaitable[list[Reply]]]
StepHandler = Callable[[Context, Conversation, StateMachine], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class Route:
    """A handler and who may reach it (empty roles: any bound person; public: anyone)."""

    handler: Handler
    roles: frozenset[Role] = frozenset()
    public: bool = False
    help_key: str | None = None


MediaRoom = Callable[[Conversation, EventKind], int]


@dataclass(frozen=True)
class FlowRoute:
    """A multi-step flow: its spec, the function that handles input in any of its states, and
    how many files its current step still takes (None: it takes none). A flow with `documents`
    takes PDFs and office documents where its media room takes documents, not only images.
    """

    spec: FlowSpec
    step: StepHandler
    machine: StateMachine
    media_room: MediaRoom | None = None
    documents: bool = False

    async def run(self, ctx: Context, conversation: Conversation) -> list[Reply]:
        """Hand the event to the flow's step handler (a refused step ends the flow)."""
        ctx.flow_step = self.spec.name
        return await self.step(ctx, conversation, self.machine)


@dataclass
class Router:
    """Explicit registration in the composition root; nothing registers itself on import."""

    commands: dict[str, Route] = field(default_factory=dict)
    buttons: dict[str, Route] = field(default_factory=dict)
    flows: dict[str, FlowRoute] = field(default_factory=dict)
    fallback: Handler | None = None
    not_bound: Handler | None = None

    def command(self, name: str, handler: Handler, *roles: Role, public: bool = False,
                help_key: str | None = None) -> None:
        """Register `/name`."""
        self.commands[name] = Route(handler, frozenset(roles), public, help_key)

    def button(self, prefix: str, handler: Handler, *roles: Role) -> None:
        """Register payloads of the form `prefix:...`."""
        self.buttons[prefix] = Route(handler, frozenset(roles))

    def flow(self, spec: FlowSpec, step: StepHandler, media_room: MediaRoom | None = None,
             documents: bool = False) -> None:
        """Register a flow's step handler (and, for steps that take files, how many, and
        whether documents that are not images are among them).
        """
        self.flows[spec.name] = FlowRoute(spec, step, flow_machine(spec), media_room, documents)

    def visible_commands(self, roles: frozenset[Role], bound: bool) -> list[tuple[str, str]]:
        """(command, help key) pairs this person may use, in registration order."""
        return [(name, route.help_key) for name, route in self.commands.items()
                if route.help_key and (route.public or (bound and _permitted(route.roles, roles)))]

    async def route(self, ctx: Context) -> list[Reply]:
        """Find and run the handler for this event."""
        event = ctx.event
        if ctx.person is None:
            return await self._route_unbound(ctx)
        if event.kind is EventKind.COMMAND:
            return await self._route_command(ctx, event.command or "")
        if event.kind is EventKind.BUTTON:
            return await self._route_button(ctx, event.payload or "")
        conversation = conversations.current(ctx.session, ctx.person.id)
        if conversation is not None and conversation.flow in self.flows:
            return await self.flows[conversation.flow].run(ctx, conversation)
        return await self.fallback(ctx) if self.fallback else []

    async def _route_unbound(self, ctx: Context) -> list[Reply]:
        route = self.commands.get(ctx.event.command or "") if ctx.event.command else None
        if route is not None and route.public:
            return await route.handler(ctx)
        if ctx.event.kind is EventKind.BUTTON:
            ctx.audit("denied", note=f"unbound {ctx.event.channel}:{ctx.event.user_id} "
                                     f"payload={ctx.event.payload}")
        return await self.not_bound(ctx) if self.not_bound else []

    async def _route_command(self, ctx: Context, name: str) -> list[Reply]:
        route = self.commands.get(name)
        if route is None:
            return [Reply(ctx.t("common.unknown_command", command=name))]
        return await self._run(ctx, route, f"/{name}")

    async def _route_button(self, ctx: Context, payload: str) -> list[Reply]:
        if payload.startswith("cmd:"):
            command = payload.removeprefix("cmd:")
            ctx.event = replace(ctx.event, kind=EventKind.COMMAND, command=command, args="")
            return await self._route_command(ctx, command)
        flow_parts = parse_flow_payload(payload)
        if flow_parts is not None:
            return await self._route_flow_button(ctx, *flow_parts)
        route = self.buttons.get(payload.split(":", 1)[0])
        if route is None:
            ctx.audit("forged_payload", note=payload[:200])
            return [Reply(ctx.t("common.button_unknown"))]
        return await self._run(ctx, route, payload)

    async def _route_flow_button(self, ctx: Context, flow: str, state: str, _value: str):
        route = self.flows.get(flow)
        if route is None:
            ctx.audit("forged_payload", note=ctx.event.payload or "")
            return [Reply(ctx.t("common.button_unknown"))]
        if not _permitted(route.spec.roles, ctx.roles):
            return _deny(ctx, ctx.event.payload or "")
        conversation = conversations.current(ctx.session, ctx.person.id)
        if conversation is None or conversation.flow != flow or conversation.state != state:
            return [Reply(ctx.t("common.button_expired"))]
        return await route.run(ctx, conversation)

    async def _run(self, ctx: Context, route: Route, what: str) -> list[Reply]:
        if not _permitted(route.roles, ctx.roles):
            return _deny(ctx, what)
        return await route.handler(ctx)


def _permitted(required: frozenset[Role], held: frozenset[Role]) -> bool:
    return not required or bool(required & held)


def _deny(ctx: Context, what: str) -> list[Reply]:
    ctx.audit("denied", note=what[:200])
    return [Reply(ctx.t("common.not_allowed"))]
