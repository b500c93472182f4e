"""Unfinished dialogs are not thrown away unasked: `/cancel` and a new dialog over one in
progress first ask whether to discard the draft (放弃这份草稿？).
"""

from __future__ import annotations

from dataclasses import replace

from bot.core.context import Context
from bot.core.dispatcher import Refusal
from bot.core.types import EventKind, Reply
from storage import conversations
from storage.models import Conversation

DROP, KEEP, GO = "dr:drop", "dr:keep", "dr:go:"
MAX_PAYLOAD = 64


def in_progress(ctx: Context, conversation: Conversation | None) -> bool:
    """True when the person has moved past the first step of an open dialog."""
    if conversation is None:
        return False
    route = ctx.services.router.flows.get(conversation.flow)
    return route is not None and conversation.state != route.spec.initial


def _flow_name(ctx: Context, conversation: Conversation) -> str:
    return ctx.t(f"drafts.flow.{conversation.flow}")


def start_flow(ctx: Context, flow: str, state: str, data: dict | None = None) -> Conversation:
    """Begin a dialog; refuses (asking first) when another one is in progress."""
    current = conversations.current(ctx.session, ctx.person.id)
    if in_progress(ctx, current) and not ctx.discarding:
        again = _original_payload(ctx)
        go = [("drafts.discard_and_go", GO + again)] if len(GO + again) <= MAX_PAYLOAD else []
        raise Refusal("drafts.unfinished", buttons=(*go, ("drafts.keep", KEEP)),
                      flow=_flow_name(ctx, current))
    return conversations.start(ctx.session, ctx.person.id, flow, state, ctx.now, data)


def _original_payload(ctx: Context) -> str:
    """The button (or command as a button) that asked for the new dialog, to run it again."""
    event = ctx.event
    return event.payload or "" if event.kind is EventKind.BUTTON else f"cmd:{event.command}"


async def cancel(ctx: Context) -> list[Reply]:
    """`/cancel`: leave the open dialog; ask first when it is past its first step."""
    current = conversations.current(ctx.session, ctx.person.id)
    if current is None:
        return [Reply(ctx.t("common.nothing_to_cancel"))]
    if in_progress(ctx, current):
        raise Refusal("drafts.confirm_cancel", buttons=(("drafts.discard", DROP),
                                                        ("drafts.keep", KEEP)),
                      flow=_flow_name(ctx, current))
    conversations.finish(ctx.session, ctx.person.id)
    return [Reply(ctx.t("common.cancelled"))]


async def on_button(ctx: Context) -> list[Reply]:
    """`dr:drop` discards the draft, `dr:keep` keeps it, `dr:go:<payload>` discards it and
    does what was asked.
    """
    payload = ctx.event.payload or ""
    if payload == KEEP:
        return [Reply(ctx.t("drafts.kept"))]
    if payload == DROP:
        gone = conversations.finish(ctx.session, ctx.person.id)
        return [Reply(ctx.t("common.cancelled" if gone else "common.nothing_to_cancel"))]
    if payload.startswith(GO) and payload != GO:
        conversations.finish(ctx.session, ctx.person.id)
        ctx.session.flush()
        ctx.discarding = True
        ctx.event = replace(ctx.event, payload=payload.removeprefix(GO))
        return await ctx.services.router.route(ctx)
    ctx.audit("forged_payload", note=payload[:200])
    return [Reply(ctx.t("common.button_unknown"))]
