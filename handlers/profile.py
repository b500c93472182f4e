"""How a person is described to themselves: role and groups."""

from __future__ import annotations

from bot.core.context import Context
from handlers.labels import kind_label, roles_label
from storage.people import groups_of


def describe_person(ctx: Context) -> str:
    """Role and groups of the acting person, one line each."""
    lines = [ctx.t("whoami.roles", roles=roles_label(ctx.t, ctx.roles))]
    groups = groups_of(ctx.session, ctx.person.id)
    if not groups:
        lines.append(ctx.t("whoami.no_groups"))
    for group, leads in groups:
        key = "whoami.group_leader" if leads else "whoami.group_member"
        lines.append(ctx.t(key, group=group.name, kind=kind_label(ctx.t, group.kind)))
    return "\n".join(lines)
