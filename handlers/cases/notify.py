"""Pushes about cases, each written to the outbox once under a dedupe key."""

from __future__ import annotations

from sqlmodel import select

from bot.core.context import Context
from bot.core.types import Button, Reply, button_rows
from handlers.cases.render import local, short
from storage import cases, people
from storage.case_models import Case
from storage.models import Department, Liaison, Membership, Person, Role


def case_buttons(t, case: Case, *actions: str, arg: str = "") -> tuple:
    """A row of case buttons: action code → label key `case.button.<code>`."""
    suffix = f":{arg}" if arg else ""
    return button_rows([Button(t(f"case.button.{a}"), f"c:{a}:{case.id}{suffix}")
                        for a in actions])


def _send(ctx: Context, audience: str, people_: list[Person], key: str, text_key: str,
          case: Case, actions: tuple[str, ...] = (), arg: str = "", **values) -> None:
    """One push per person; the key names the audience, so one person in two roles gets both."""
    for person in people_:
        if ctx.person is not None and person.id == ctx.person.id and not actions:
            continue  # the actor reads the reply; no push to themselves
        ctx.push(person, f"{key}:{audience}:{person.id}", lambda t, p=person: Reply(
            t(text_key, number=case.number, text=short(case.description), **values),
            buttons=case_buttons(t, case, *actions, arg=arg) if actions else ()))


def liaisons_of(ctx: Context, department_id: int) -> list[Person]:
    """The department's liaisons."""
    return list(ctx.session.exec(select(Person).join(Liaison, Liaison.person_id == Person.id)
                                 .where(Liaison.department_id == department_id)).all())


def submitted(ctx: Context, case: Case) -> None:
    """Tell the squad leaders of the reporter's group: Accept / Reject / Merge."""
    leaders = people.leaders_of(ctx.session, case.group_id) or people.with_role(
        ctx.session, Role.STAFF)
    _send(ctx, "leader", leaders, f"case:{case.id}:submitted", "case.push.submitted", case,
          ("acc", "rej", "mrg"))


def to_reporters(ctx: Context, case: Case, event: str, text_key: str,
                 actions: tuple[str, ...] = (), **values) -> None:
    """Tell everyone who reported the case."""
    reporters = cases.reporters(ctx.session, case.id)
    _send(ctx, "reporter", reporters, f"case:{case.id}:{event}", text_key, case, actions,
          **values)


def to_staff(ctx: Context, case: Case, event: str, text_key: str,
             actions: tuple[str, ...] = (), arg: str = "", **values) -> None:
    """Tell the office's staff."""
    staff = people.with_role(ctx.session, Role.STAFF)
    _send(ctx, "staff", staff, f"case:{case.id}:{event}", text_key, case, actions, arg, **values)


def to_department(ctx: Context, case: Case, event: str, text_key: str,
                  actions: tuple[str, ...] = (), **values) -> None:
    """Tell the liaisons of the case's department."""
    department = ctx.session.get(Department, case.department_id)
    _send(ctx, "department", liaisons_of(ctx, case.department_id), f"case:{case.id}:{event}",
          text_key, case, actions, department=department.name if department else "",
          deadline=local(ctx, case.deadline), **values)


def to_verifiers(ctx: Context, case: Case, event: str, text_key: str,
                 actions: tuple[str, ...] = (), **values) -> int:
    """Tell the reporters and the group's delegates (who may verify after the reporters' days);
    how many people.
    """
    members = list(ctx.session.exec(select(Person).join(
        Membership, Membership.person_id == Person.id).where(
        Membership.group_id == case.group_id, Person.active, Person.level.is_not(None))).all())
    everyone = {p.id: p for p in [*cases.reporters(ctx.session, case.id), *members]}
    _send(ctx, "verifier", list(everyone.values()), f"case:{case.id}:{event}", text_key, case,
          actions, **values)
    return len(everyone)


def to_leaders(ctx: Context, case: Case, event: str, text_key: str, **values) -> None:
    """Tell the squad leaders of the case's group."""
    _send(ctx, "leader", people.leaders_of(ctx.session, case.group_id), f"case:{case.id}:{event}",
          text_key, case, (), **values)
