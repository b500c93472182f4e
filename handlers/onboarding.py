"""Binding a chat account with an invite, greeting, and the answer for unknown people."""

from __future__ import annotations

from datetime import timedelta

from bot.core.context import Context
from bot.core.types import Reply
from handlers.menu import menu_buttons
from handlers.profile import describe_person
from storage import attempts, identities, invites
from storage.people import effective_roles

INVITE = "invite"


async def start(ctx: Context) -> list[Reply]:
    """`/start [code]`: bind with a code, or greet someone already bound."""
    code = ctx.event.args.strip()
    if ctx.person is not None:
        if code:
            return [Reply(ctx.t("onboarding.already_bound", name=ctx.person.name))]
        return [greeting(ctx)]
    if not code:
        return await not_bound(ctx)
    return _redeem(ctx, code)


def _redeem(ctx: Context, code: str) -> list[Reply]:
    event, settings = ctx.event, ctx.services.settings
    account = f"{event.channel}:{event.user_id}"
    window = timedelta(minutes=settings.invite_attempts_window_minutes)
    tried = attempts.recent(ctx.session, INVITE, account, ctx.now - window)
    if tried >= settings.invite_attempts_max:  # counted in the database: holds across restarts
        if tried == settings.invite_attempts_max:
            ctx.audit("invite_throttled", note=account)
            attempts.record(ctx.session, INVITE, account, ctx.now)
        return [Reply(ctx.t("onboarding.invite_wait",
                            minutes=settings.invite_attempts_window_minutes))]
    attempts.record(ctx.session, INVITE, account, ctx.now)
    result = invites.redeem(ctx.session, code, account, ctx.now)
    if result.person is None:
        ctx.audit("invite_refused", note=f"{result.problem}: {code[:20]}")
        return [Reply(ctx.t(f"onboarding.invite_{result.problem}"))]
    identities.bind(ctx.session, event.channel, event.user_id, result.person.id, ctx.now)
    ctx.person = result.person
    ctx.roles = effective_roles(ctx.session, result.person)
    ctx.use_locale(result.person.locale or event.language_hint)
    ctx.audit("bound", subject_type="person", subject_id=result.person.id,
              note=f"{event.channel}:{event.user_id}")
    return [greeting(ctx)]


def greeting(ctx: Context) -> Reply:
    """Welcome by name with groups and role, and the menu."""
    text = ctx.t("onboarding.welcome", name=ctx.person.name) + "\n" + describe_person(ctx)
    return Reply(text + "\n\n" + ctx.t("onboarding.next_steps"), buttons=menu_buttons(ctx))


async def not_bound(ctx: Context) -> list[Reply]:
    """The only answer an unknown account gets: how to get an invite."""
    return [Reply(ctx.t("onboarding.not_bound"))]
