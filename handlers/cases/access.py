"""Who may see a case and who may make each move; checked on the server for every action."""

from __future__ import annotations

from bot.core.context import Context
from schedules.workdays import default_calendar
from storage import cases, people
from storage.case_models import Case, CaseReporter
from storage.models import Group, Liaison, Membership, Role


def leads_group(ctx: Context, group_id: int) -> bool:
    """True when the actor is a leader of this group."""
    row = ctx.session.get(Membership, (ctx.person.id, group_id))
    return bool(row and row.is_leader)


def led_group_ids(ctx: Context) -> list[int]:
    """Ids of the groups the actor leads."""
    return [group.id for group, leads in people.groups_of(ctx.session, ctx.person.id) if leads]


def is_case_liaison(ctx: Context, case: Case) -> bool:
    """True when the actor answers for the case's department."""
    return case.department_id is not None and ctx.session.get(
        Liaison, (ctx.person.id, case.department_id)) is not None


def can_view(ctx: Context, case: Case) -> bool:
    """Staff and leadership see all; a department its own; a delegate their groups' and own."""
    if ctx.has_any(Role.STAFF, Role.LEADERSHIP) or is_case_liaison(ctx, case):
        return True
    return cases.is_reporter(ctx.session, case.id, ctx.person.id) or cases.shares_group(
        ctx.session, case, ctx.person.id)


def can_triage(ctx: Context, case: Case) -> bool:
    """Accept, reject or merge: staff, or a leader of the case's group."""
    return ctx.has_any(Role.STAFF) or leads_group(ctx, case.group_id)


def can_verify(ctx: Context, case: Case) -> bool:
    """A reporter who was one when the fix was reported; after the reporters' working days
    (default 3), any delegate of the case's group.

    Joining or being merged in later never grants the verdict on a fix already reported.
    """
    reporter = ctx.session.get(CaseReporter, (case.id, ctx.person.id))
    if reporter is not None and (case.rectified_at is None  # the lifecycle says "not now"
                                 or reporter.joined_at <= case.rectified_at):
        return True
    if case.rectified_at is None or not ctx.has_any(Role.DELEGATE):
        return False
    return verify_fallback_open(ctx, case) and ctx.session.get(
        Membership, (ctx.person.id, case.group_id)) is not None


def join_group(ctx: Context, case: Case) -> Group | None:
    """The actor's group that lets them join the case as a co-reporter, or None.

    A delegate may join a case of their own group, of a group working on the case's area, or
    of their township's group when the case is in that township. Anyone else learns only that a
    similar case exists.
    """
    groups = [group for group, _ in people.groups_of(ctx.session, ctx.person.id)]
    for qualifies in (lambda g: g.id == case.group_id,
                      lambda g: g.area_id is not None and g.area_id == case.area_id,
                      lambda g: g.township is not None and g.township == case.township):
        match = next((group for group in groups if qualifies(group)), None)
        if match is not None:
            return match
    return None



def verify_fallback_open(ctx: Context, case: Case) -> bool:
    """True once the reporters had their working days (default 3) to verify."""
    zone = ctx.services.settings.tz
    rectified = case.rectified_at.astimezone(zone).date()
    today = ctx.services.clock.now().astimezone(zone).date()
    wait = ctx.services.settings.escalation_verify_fallback_after
    return default_calendar().workdays_between(rectified, today) >= wait


ALLOWED = {
    "accept": can_triage,
    "reject": can_triage,
    "merge": can_triage,
    "assign": lambda ctx, case: ctx.has_any(Role.STAFF),
    "reassign": lambda ctx, case: ctx.has_any(Role.STAFF),
    "acknowledge": is_case_liaison,
    "progress": is_case_liaison,
    "rectify": is_case_liaison,
    "extend": is_case_liaison,
    "decide_extension": lambda ctx, case: ctx.has_any(Role.STAFF),
    "confirm": can_verify,
    "reopen": can_verify,
}


def may(ctx: Context, case: Case, action: str) -> bool:
    """True when the actor may do `action` on `case`."""
    rule = ALLOWED.get(action)
    return bool(rule and rule(ctx, case))


