"""`/help`, `/menu`, `/whoami`, `/lang` and the answer to messages nobody expected."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.types import Button, Reply, button_rows
from handlers.labels import level_label, masked_phone
from handlers.profile import describe_person

MENU_COMMANDS_PER_ROW = 2


def _router(ctx: Context):
    return ctx.services.router


def menu_buttons(ctx: Context) -> tuple[tuple[Button, ...], ...]:
    """One button per command this person may use (start, help and menu left out)."""
    visible = [(name, key) for name, key in _router(ctx).visible_commands(ctx.roles, True)
               if name not in {"start", "help", "menu"}]
    buttons = [Button(ctx.t(f"{key}.button"), f"cmd:{name}") for name, key in visible]
    rows = [buttons[i:i + MENU_COMMANDS_PER_ROW] for i in range(0, len(buttons),
                                                               MENU_COMMANDS_PER_ROW)]
    return button_rows(*rows)


async def help_(ctx: Context) -> list[Reply]:
    """What this person may do, one command per line."""
    bound = ctx.person is not None
    lines = [ctx.t("help.title")]
    for name, key in _router(ctx).visible_commands(ctx.roles, bound):
        lines.append(f"/{name} — {ctx.t(key)}")
    if not bound:
        lines.append(ctx.t("onboarding.not_bound"))
    return [Reply("\n".join(lines), buttons=menu_buttons(ctx) if bound else ())]


async def menu(ctx: Context) -> list[Reply]:
    """The menu as buttons."""
    return [Reply(ctx.t("menu.title"), buttons=menu_buttons(ctx))]


async def whoami(ctx: Context) -> list[Reply]:
    """Identity, level, township, groups and role."""
    person = ctx.person
    head = ctx.t("whoami.identity", name=person.name, phone=masked_phone(person.phone),
                 level=level_label(ctx.t, person.level), township=person.township or "—")
    return [Reply(head + "\n" + describe_person(ctx))]


async def lang(ctx: Context) -> list[Reply]:
    """Offer the two languages as buttons."""
    buttons = button_rows([Button("中文", "lang:zh_CN"), Button("English", "lang:en")])
    return [Reply(ctx.t("lang.choose"), buttons=buttons)]


async def set_lang(ctx: Context) -> list[Reply]:
    """Store the chosen language for this person."""
    choice = (ctx.event.payload or "").split(":", 1)[-1]
    if choice not in ctx.services.catalogs.messages:
        ctx.audit("forged_payload", note=ctx.event.payload or "")
        return [Reply(ctx.t("common.button_unknown"))]
    ctx.person.locale = choice
    ctx.session.add(ctx.person)
    ctx.use_locale(choice)
    return [Reply(ctx.t("lang.set"))]


async def fallback(ctx: Context) -> list[Reply]:
    """A message outside any flow: say what we understand."""
    return [Reply(ctx.t("common.not_understood"), buttons=menu_buttons(ctx))]



