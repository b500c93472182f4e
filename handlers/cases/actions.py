"""Case buttons (`c:<code>:<case id>[:<arg>]`): triage, acknowledge, verify, decide extensions."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.numbers import parse_int
from bot.core.types import Button, Reply, button_rows
from handlers.cases import access, action_flows, assign, extensions, notify
from handlers.cases.moves import move, refuse_unless_allowed
from handlers.cases.offers import may_nudge
from handlers.cases.render import local, summary_line
from storage import cases
from storage.case_models import Case, CaseMedia, CaseStatus, Satisfaction
from storage.models import Role

MERGE_CHOICES = 5
VERDICTS = {"vs": Satisfaction.SATISFIED, "vb": Satisfaction.BASIC}  # "vd" asks for a reason


async def on_button(ctx: Context) -> list[Reply]:
    """Parse the payload, load the case, re-check the right, and act."""
    parts = (ctx.event.payload or "").split(":")
    code = parts[1] if len(parts) >= 3 else ""
    case_id = parse_int(parts[2]) if len(parts) >= 3 else None
    case = ctx.session.get(Case, case_id) if case_id is not None else None
    handler = HANDLERS.get(code)
    if case is None or handler is None:
        ctx.audit("forged_payload", note=(ctx.event.payload or "")[:200])
        return [Reply(ctx.t("common.button_unknown"))]
    return await handler(ctx, case, parts[3] if len(parts) > 3 else "")


async def _view(ctx, case, _arg):
    from handlers.cases.views import view_by_id

    return await view_by_id(ctx, case.id)


async def _accept(ctx, case, _arg):
    if refusal := refuse_unless_allowed(ctx, case, "accept"):
        return refusal
    move(ctx, case, "accept")
    notify.to_reporters(ctx, case, "accepted", "case.push.accepted")
    notify.to_staff(ctx, case, "accepted", "case.push.to_assign", ("asg",))
    return [Reply(ctx.t("case.done.accepted", number=case.number))]


async def _acknowledge(ctx, case, _arg):
    if refusal := refuse_unless_allowed(ctx, case, "acknowledge"):
        return refusal
    move(ctx, case, "acknowledge")
    case.acknowledged_at = ctx.now
    notify.to_reporters(ctx, case, f"acknowledged:{case.assigned_at:%Y%m%d%H%M}",
                        "case.push.acknowledged")
    return [Reply(ctx.t("case.done.acknowledged", number=case.number),
                  notify.case_buttons(ctx.t, case, "upd", "fix", "ext"))]


async def _merge_choices(ctx, case, _arg):
    if refusal := refuse_unless_allowed(ctx, case, "merge"):
        return refusal
    scope = None if ctx.has_any(Role.STAFF) else access.led_group_ids(ctx)
    targets = [c for c in cases.open_in(ctx.session, case.area_id, None, MERGE_CHOICES + 1, scope)
               if c.id != case.id][:MERGE_CHOICES]
    if not targets:
        return [Reply(ctx.t("case.merge_none", number=case.number))]
    lines = [ctx.t("case.merge_pick", number=case.number)] + [summary_line(ctx, c) for c in targets]
    rows = [[Button(c.number, f"c:mrgto:{case.id}:{c.id}")] for c in targets]
    return [Reply("\n".join(lines), button_rows(*rows))]


async def _merge_into(ctx, case, arg):
    target_id = parse_int(arg)
    target = ctx.session.get(Case, target_id) if target_id is not None else None
    if refusal := refuse_unless_allowed(ctx, case, "merge"):
        return refusal
    if target is None or target.id == case.id or not cases.is_open(target) \
            or target.area_id != case.area_id:
        return [Reply(ctx.t("case.merge_bad_target"))]
    if not access.can_triage(ctx, target):  # merging makes our reporters co-reporters there
        ctx.audit("denied", subject_type="case", subject_id=target.id, note="merge target")
        return [Reply(ctx.t("common.not_allowed"))]
    move(ctx, case, "merge", note=target.number)
    case.merged_into_id = target.id
    for reporter in cases.reporter_rows(ctx.session, case.id):
        cases.add_reporter(ctx.session, target.id, reporter.person_id, reporter.group_id,
                           ctx.now)
    for media in cases.media_of(ctx.session, case.id):
        ctx.session.add(CaseMedia(case_id=target.id, sha256=media.sha256, ext=media.ext,
                                  kind=media.kind, added_by_id=media.added_by_id,
                                  added_at=media.added_at))
    notify.to_reporters(ctx, case, "merged", "case.push.merged", target=target.number)
    return [Reply(ctx.t("case.done.merged", number=case.number, target=target.number))]


async def _verify(ctx, case, arg, code):
    """满意 or 基本满意 close the case out; 不满意 first asks why (see action_flows)."""
    verdict = VERDICTS[code]
    if refusal := refuse_unless_allowed(ctx, case, "confirm"):
        return refusal
    move(ctx, case, "confirm", note=verdict.value)  # shown in each reader's language
    case.satisfaction, case.verified_by_id = verdict.value, ctx.person.id
    case.closed_at = ctx.now
    notify.to_department(ctx, case, "closed", "case.push.closed",
                         verdict=ctx.t(f"case.verdict.{verdict.value}"))
    notify.to_leaders(ctx, case, "closed", "case.push.closed",
                      verdict=ctx.t(f"case.verdict.{verdict.value}"))
    return [Reply(ctx.t("case.done.closed", number=case.number))]


async def _nudge_verifiers(ctx, case, _arg):
    """Staff or the group's leader remind everyone who may verify a fix left unanswered."""
    if not may_nudge(ctx, case) or case.status != CaseStatus.RECTIFIED:
        ctx.audit("denied", subject_type="case", subject_id=case.id, note="nudge")
        return [Reply(ctx.t("common.not_allowed"))]
    day = local(ctx, ctx.now, "%Y%m%d")
    told = notify.to_verifiers(ctx, case, f"verify-nudge:{day}", "case.push.verify_nudge",
                               ("vs", "vb", "vd"))
    ctx.audit("case.verify_nudged", subject_type="case", subject_id=case.id, note=str(told))
    return [Reply(ctx.t("case.done.nudged", number=case.number, count=told))]


async def _decide_extension(ctx, case, arg, approve: bool):
    if refusal := refuse_unless_allowed(ctx, case, "decide_extension"):
        return refusal
    return extensions.decide_extension(ctx, case, arg, approve)


def _verdict(code):
    async def handler(ctx, case, arg):
        return await _verify(ctx, case, arg, code)
    return handler


def _decision(approve):
    async def handler(ctx, case, arg):
        return await _decide_extension(ctx, case, arg, approve)
    return handler


HANDLERS = {
    "view": _view, "acc": _accept, "ack": _acknowledge, "mrg": _merge_choices,
    "mrgto": _merge_into, "rej": action_flows.begin_reject, "asg": assign.begin_assign,
    "rsg": assign.begin_assign, "rmd": _nudge_verifiers,
    "upd": action_flows.begin_progress, "fix": action_flows.begin_rectify,
    "ext": extensions.begin_extension, "xok": _decision(True), "xno": _decision(False),
    "vd": action_flows.begin_reopen, **{code: _verdict(code) for code in VERDICTS},
}
