"""How a person is described to themselves: role (with a liaison's departments) and groups."""

from __future__ import annotations

from bot.core.context import Context
from handlers.labels import kind_label
from storage.models import Role
from storage.people import departments_of, groups_of


def describe_person(ctx: Context) -> str:
    """Role and groups of the acting person, one line each."""
    lines = [ctx.t("whoami.roles", roles=_roles_text(ctx))]
    groups = groups_of(ctx.session, ctx.person.id)
    if not groups:
        lines.append(ctx.t("whoami.no_groups"))
    for group, leads in groups:
        key = "whoami.group_leader" if leads else "whoami.group_member"
        lines.append(ctx.t(key, group=group.name, kind=kind_label(ctx.t, group.kind)))
    return "\n".join(lines)


def _roles_text(ctx: Context) -> str:
    """The roles in a fixed order, joined; a liaison's with the departments they serve."""
    labels = [_role_text(ctx, role) for role in Role if role in ctx.roles]
    return ctx.t("common.list_sep").join(labels) or "—"


def _role_text(ctx: Context, role: Role) -> str:
    label = ctx.t(f"role.{role.value}")
    if role is not Role.LIAISON:
        return label
    names = sorted(d.name for d in departments_of(ctx.session, ctx.person.id))
    if not names:
        return label
    return ctx.t("whoami.liaison_of", role=label, departments=ctx.t("common.list_sep").join(names))
