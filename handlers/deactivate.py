"""`/deactivate <name or phone>` (staff): take a person's access back, after a confirmation."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.numbers import parse_int
from bot.core.types import Button, Reply, button_rows
from handlers.activities.answers import release_holds
from handlers.labels import masked_phone
from storage import people
from storage.models import Person
from storage.revocation import deactivate

CONFIRM, KEEP = "u:deact", "u:keep"


async def begin(ctx: Context) -> list[Reply]:
    """Find the one person meant and ask for confirmation."""
    query = ctx.event.args.strip()
    if not query:
        return [Reply(ctx.t("deactivate.usage"))]
    found = [p for p in people.find(ctx.session, query) if p.active]
    if len(found) != 1:
        names = ctx.t("common.list_sep").join(
            f"{p.name}({masked_phone(p.phone)})" for p in found[:10])
        key = "deactivate.none" if not found else "deactivate.many"
        return [Reply(ctx.t(key, query=query[:50], names=names))]
    person = found[0]
    if person.id == ctx.person.id:
        return [Reply(ctx.t("deactivate.self"))]
    return [Reply(ctx.t("deactivate.confirm", name=person.name, phone=masked_phone(person.phone)),
                  button_rows([Button(ctx.t("deactivate.yes"), f"{CONFIRM}:{person.id}"),
                               Button(ctx.t("common.cancel"), f"{KEEP}:{person.id}")]))]


async def on_button(ctx: Context) -> list[Reply]:
    """`u:deact:<id>` deactivates (checked again now); `u:keep:<id>` changes nothing."""
    head, _, raw_id = (ctx.event.payload or "").rpartition(":")
    person_id = parse_int(raw_id)
    person = ctx.session.get(Person, person_id) if person_id is not None else None
    if person is None or head not in (CONFIRM, KEEP):
        ctx.audit("forged_payload", note=(ctx.event.payload or "")[:200])
        return [Reply(ctx.t("common.button_unknown"))]
    if head == KEEP:
        return [Reply(ctx.t("deactivate.kept", name=person.name))]
    if person.id == ctx.person.id:
        return [Reply(ctx.t("deactivate.self"))]
    if not person.active:
        return [Reply(ctx.t("deactivate.already", name=person.name))]
    done = deactivate(ctx.session, person, ctx.now, ctx.person.id)
    release_holds(ctx.session, ctx.services, person.id, ctx.now)
    return [Reply(ctx.t("deactivate.done", name=person.name, pushes=done.pushes_cancelled))]
