"""Whom a notice goes to: a leader's own groups; staff any groups, levels, townships, everyone.

Every choice is checked on the server: a group id in a button is a request, not a right.
"""

from __future__ import annotations

from sqlmodel import Session, select

from bot.core.context import Context
from bot.core.numbers import parse_int
from bot.core.types import Button, Reply, button_rows
from bot.flows.engine import button_value, flow_payload, typed_text
from bot.flows.notice import NOTICE
from bot.i18n import Translator
from handlers.cases.access import led_group_ids
from handlers.labels import level_label
from storage import townships
from storage.models import Conversation, Group, Level, Role
from storage.notice_models import AudienceKind

FLOW = NOTICE.name
GROUP_BUTTONS, PER_ROW, TOWNSHIPS_PER_ROW, NAMED = 40, 2, 3, 5
MAX_FILTER = 20


def is_staff(ctx: Context) -> bool:
    """Staff choose any audience; a squad leader only among the groups they lead."""
    return ctx.has_any(Role.STAFF)


def may_use_group(ctx: Context, group_id: int) -> bool:
    """True when the actor may send to this group (it exists, and they lead it or are staff)."""
    if ctx.session.get(Group, group_id) is None:
        return False
    return is_staff(ctx) or group_id in led_group_ids(ctx)


def usable_groups(ctx: Context, typed: str | None = None) -> list[Group]:
    """The groups the actor may send to (whose name contains `typed`), by name."""
    query = select(Group).order_by(Group.name)
    if not is_staff(ctx):
        query = query.where(Group.id.in_(led_group_ids(ctx)))
    if typed:
        query = query.where(Group.name.contains(typed))
    return list(ctx.session.exec(query).all())


def still_allowed(ctx: Context, audience: dict) -> bool:
    """Re-checked at sending: a leader may have stopped leading a chosen group meanwhile."""
    kind = AudienceKind(audience["kind"])
    if kind is not AudienceKind.GROUPS:
        return is_staff(ctx)
    return all(may_use_group(ctx, group_id) for group_id in audience["values"])


def describe(t: Translator, session: Session, audience: dict) -> str:
    """The audience in words: up to five names, then how many more."""
    kind, values = AudienceKind(audience["kind"]), list(audience.get("values") or [])
    if kind is AudienceKind.EVERYONE:
        return t("notices.audience.everyone")
    if kind is AudienceKind.GROUPS:
        names = list(session.exec(select(Group.name).where(Group.id.in_(values))
                                  .order_by(Group.name)).all())
    elif kind is AudienceKind.LEVELS:
        names = [level_label(t, level) for level in values]
    else:
        names = list(values)
    shown = t("common.list_sep").join(names[:NAMED])
    return shown if len(names) <= NAMED else t("notices.audience.more", names=shown,
                                                count=len(names))


def _button(t: Translator, state: str, key: str, value: str) -> Button:
    return Button(t(key), flow_payload(FLOW, state, value))


def _again(ctx: Context, conversation: Conversation, key: str, **values):
    return None, [Reply(ctx.t(key, **values)), PROMPTS[conversation.state](ctx, conversation)]


def _refused(ctx: Context, conversation: Conversation, note: str):
    ctx.audit("denied", subject_type="notice", note=f"{note}: {ctx.event.payload}"[:200])
    return _again(ctx, conversation, "common.not_allowed")


def _toggle(ctx: Context, conversation: Conversation, value) -> tuple[None, list[Reply]]:
    chosen = conversation.data["audience"]["values"]
    if value in chosen:
        chosen.remove(value)
    else:
        chosen.append(value)
    edited = PROMPTS[conversation.state](ctx, conversation)
    return None, [Reply(edited.text, edited.buttons, edit=True)]


def _common(ctx: Context, conversation: Conversation, value: str):
    """`done` and `back` of every step that picks by toggles; None for anything else."""
    if value == "done":
        if not conversation.data["audience"]["values"]:
            return _again(ctx, conversation, "notices.pick_none")
        return "chosen", []
    if value == "back":
        return ("back", []) if is_staff(ctx) else _refused(ctx, conversation, "back")
    return None


def begin_pick(conversation: Conversation, kind: AudienceKind, values: list | None = None):
    """Start choosing `kind` (keeping the values already chosen of the same kind)."""
    current = conversation.data.get("audience") or {}
    if current.get("kind") != kind.value:
        conversation.data["audience"] = {"kind": kind.value, "values": values or []}
    conversation.data.pop("group_filter", None)


async def take_audience(ctx: Context, conversation: Conversation):
    """Staff choose the kind of audience."""
    value = button_value(ctx.event)
    if value not in {kind.value for kind in AudienceKind}:
        return _again(ctx, conversation, "notices.pick_button")
    if not is_staff(ctx):
        return _refused(ctx, conversation, "audience")
    begin_pick(conversation, AudienceKind(value))
    return ("everyone" if value == AudienceKind.EVERYONE else f"by_{value}"), []


async def take_groups(ctx: Context, conversation: Conversation):
    """Toggle a group, search by a typed name, or finish."""
    value, typed = button_value(ctx.event), typed_text(ctx.event)
    if value is None and typed:
        conversation.data["group_filter"] = typed[:MAX_FILTER]
        if not usable_groups(ctx, typed[:MAX_FILTER]):
            conversation.data.pop("group_filter")
            return _again(ctx, conversation, "notices.group_unknown", typed=typed[:MAX_FILTER])
        return None, [PROMPTS["groups"](ctx, conversation)]
    if value is None:
        return _again(ctx, conversation, "notices.pick_button")
    if value == "all":
        conversation.data.pop("group_filter", None)
        return None, [PROMPTS["groups"](ctx, conversation)]
    if (common := _common(ctx, conversation, value)) is not None:
        return common
    group_id = parse_int(value.removeprefix("g:")) if value.startswith("g:") else None
    if group_id is None or not may_use_group(ctx, group_id):
        return _refused(ctx, conversation, f"group {group_id}")
    return _toggle(ctx, conversation, group_id)


async def take_levels(ctx: Context, conversation: Conversation):
    """Toggle a level (staff), or finish."""
    value = button_value(ctx.event)
    if value is None:
        return _again(ctx, conversation, "notices.pick_button")
    if (common := _common(ctx, conversation, value)) is not None:
        return common
    level = value.removeprefix("l:")
    if not is_staff(ctx) or level not in {lv.value for lv in Level}:
        return _refused(ctx, conversation, "level")
    return _toggle(ctx, conversation, level)


async def take_townships(ctx: Context, conversation: Conversation):
    """Toggle a township by button or typed name (青石 → 青石镇), or finish."""
    value, typed = button_value(ctx.event), typed_text(ctx.event)
    offered = conversation.data.get("townships") or []
    if value is None and typed:
        name = townships.match(typed, offered)
        if name is None:
            return _again(ctx, conversation, "notices.township_unknown", typed=typed[:20])
        return _toggle(ctx, conversation, name)
    if value is None:
        return _again(ctx, conversation, "notices.pick_button")
    if (common := _common(ctx, conversation, value)) is not None:
        return common
    index = parse_int(value.removeprefix("t:"), 0, len(offered) - 1)
    if not is_staff(ctx) or index is None:
        return _refused(ctx, conversation, "township")
    return _toggle(ctx, conversation, offered[index])


def audience_prompt(ctx: Context, conversation: Conversation) -> Reply:
    """Staff: groups, levels, townships or every delegate."""
    t = ctx.t
    return Reply(t("notices.ask_audience"), button_rows(
        [_button(t, "audience", "notices.audience.by_groups", "groups"),
         _button(t, "audience", "notices.audience.by_levels", "levels")],
        [_button(t, "audience", "notices.audience.by_townships", "townships"),
         _button(t, "audience", "notices.audience.everyone", "everyone")]))


def _ending(ctx: Context, state: str, *extra: Button) -> list[Button]:
    row = [*extra, _button(ctx.t, state, "notices.pick_done", "done")]
    return [*row, _button(ctx.t, state, "notices.back", "back")] if is_staff(ctx) else row


def _mark(name: str, chosen: bool) -> str:
    return f"✓ {name}" if chosen else name


def groups_prompt(ctx: Context, conversation: Conversation) -> Reply:
    """The groups the actor may send to, chosen ones ticked; a typed name narrows the list."""
    typed = conversation.data.get("group_filter")
    chosen = conversation.data["audience"]["values"]
    groups = usable_groups(ctx, typed)
    shown = sorted(groups, key=lambda g: g.id not in chosen)[:GROUP_BUTTONS]
    buttons = [Button(_mark(g.name, g.id in chosen), flow_payload(FLOW, "groups", f"g:{g.id}"))
               for g in shown]
    rows = [buttons[i:i + PER_ROW] for i in range(0, len(buttons), PER_ROW)]
    extra = [_button(ctx.t, "groups", "notices.all_groups", "all")] if typed else []
    key = "notices.ask_groups_more" if len(groups) > len(shown) else "notices.ask_groups"
    return Reply(ctx.t(key, count=len(chosen), shown=len(shown)),
                 button_rows(*rows, _ending(ctx, "groups", *extra)))


def levels_prompt(ctx: Context, conversation: Conversation) -> Reply:
    """The five levels, chosen ones ticked."""
    chosen = conversation.data["audience"]["values"]
    buttons = [Button(_mark(level_label(ctx.t, lv.value), lv.value in chosen),
                      flow_payload(FLOW, "levels", f"l:{lv.value}")) for lv in Level]
    return Reply(ctx.t("notices.ask_levels", count=len(chosen)),
                 button_rows(buttons[:3], buttons[3:], _ending(ctx, "levels")))


def townships_prompt(ctx: Context, conversation: Conversation) -> Reply:
    """Every township, chosen ones ticked; the list is kept in the draft so an index keeps
    meaning the same township however the roster changes meanwhile.
    """
    offered = conversation.data.get("townships") or townships.known(
        ctx.session, townships.configured(ctx.services.settings.townships))
    conversation.data["townships"] = offered
    chosen = conversation.data["audience"]["values"]
    buttons = [Button(_mark(name, name in chosen), flow_payload(FLOW, "townships", f"t:{n}"))
               for n, name in enumerate(offered)]
    rows = [buttons[i:i + TOWNSHIPS_PER_ROW] for i in range(0, len(buttons), TOWNSHIPS_PER_ROW)]
    return Reply(ctx.t("notices.ask_townships", count=len(chosen)),
                 button_rows(*rows, _ending(ctx, "townships")))


TAKERS = {"audience": take_audience, "groups": take_groups, "levels": take_levels,
          "townships": take_townships}
PROMPTS = {"audience": audience_prompt, "groups": groups_prompt, "levels": levels_prompt,
           "townships": townships_prompt}
