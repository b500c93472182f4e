"""`/surveys`, `/survey <id>` and the office's buttons: live participation, open, remind, close,
extend, results. Staff act; leadership read; a delegate's `/survey <id>` opens their ballot.
"""

from __future__ import annotations

from sqlmodel import select

from bot.core.context import Context
from bot.core.numbers import parse_int
from bot.core.types import Button, Reply, button_rows
from handlers.surveys import ballot, office
from handlers.surveys.render import kind_word, local
from handlers.surveys.results import participation_lines, results_reply, tally_line
from storage import survey_results, surveys
from storage.models import Group, Role
from storage.survey_models import Survey, SurveyState, SurveyVoter

READERS = (Role.STAFF, Role.LEADERSHIP)
STATE_KEYS = {SurveyState.DRAFT.value: "surveys.state.draft",
              SurveyState.OPEN.value: "surveys.state.open",
              SurveyState.CLOSED.value: "surveys.state.closed"}


async def list_surveys(ctx: Context) -> list[Reply]:
    """Staff and leadership: every survey; a delegate: the open ones they may vote in."""
    found = surveys.all_surveys(ctx.session)
    if not ctx.has_any(*READERS):
        found = [s for s in found if ballot.refusal(ctx, s) is None]
        if not found:
            return [Reply(ctx.t("surveys.none_to_vote"))]
        return [Reply(ctx.t("surveys.to_vote"), button_rows(
            *[[Button(s.title, f"sv:go:{s.id}:{ctx.person.id}")] for s in found]))]
    if not found:
        return [Reply(ctx.t("surveys.none"))]
    tz = ctx.services.settings.tz
    lines = [ctx.t("surveys.list_line", number=s.id, title=s.title, kind=kind_word(ctx.t, s),
                   state=ctx.t(STATE_KEYS[s.state]), closes=local(s.closes_at, tz))
             for s in found]
    return [Reply("\n".join([ctx.t("surveys.list_head"), *lines]))]


async def survey_detail(ctx: Context) -> list[Reply]:
    """`/survey <id>`: participation for the office; the ballot for a delegate."""
    number = parse_int(ctx.event.args)
    survey = ctx.session.get(Survey, number) if number is not None else None
    if survey is None:
        return [Reply(ctx.t("surveys.not_found", number=ctx.event.args.strip() or "—"))]
    if not ctx.has_any(*READERS):
        return await ballot.begin(ctx, survey)
    return [view(ctx, survey)]


def _group_lines(ctx: Context, survey: Survey) -> list[str]:
    names = dict(ctx.session.exec(select(Group.id, Group.name)).all())
    return [tally_line(ctx.t, names.get(tally.label, ctx.t("surveys.no_group")), tally)
            for tally in surveys.tallies(ctx.session, survey.id, SurveyVoter.group_id)]


def _buttons(ctx: Context, survey: Survey) -> tuple:
    if not ctx.has_any(Role.STAFF):
        return ()
    t, sid = ctx.t, survey.id
    if survey.state == SurveyState.DRAFT.value:
        return button_rows([Button(t("surveys.button.open"), f"sv:op:{sid}")])
    if survey.state == SurveyState.OPEN.value:
        remind = f"sv:rm:{sid}:{survey.reminded + 1}"
        return button_rows([Button(t("surveys.button.remind"), remind),
                            Button(t("surveys.button.close"), f"sv:cl:{sid}")])
    if survey.results_at is not None:
        return button_rows([Button(t("surveys.button.results"), f"sv:res:{sid}")])
    return office.short_buttons(t, sid)


def view(ctx: Context, survey: Survey, edit: bool = False) -> Reply:
    """Live participation: overall against the threshold, per level and per group."""
    t, tz = ctx.t, ctx.services.settings.tz
    head = t("surveys.detail", number=survey.id, title=survey.title, kind=kind_word(t, survey),
             state=t(STATE_KEYS[survey.state]), opens=local(survey.opens_at, tz),
             closes=local(survey.closes_at, tz))
    if survey.state == SurveyState.DRAFT.value:
        count = surveys.count_audience(ctx.session, survey)
        return Reply("\n".join([head, t("surveys.draft_audience", count=count)]),
                     _buttons(ctx, survey), edit=edit)
    results = survey_results.compute(ctx.session, survey)
    lines = [head, *participation_lines(t, results), t("surveys.by_group"),
             *_group_lines(ctx, survey)]
    return Reply("\n".join(lines), _buttons(ctx, survey), edit=edit)


async def on_office_button(ctx: Context, survey: Survey, code: str, arg: str) -> list[Reply]:
    """sv:op / rm / cl / ext / pub / res: staff only (results: leadership too)."""
    allowed = READERS if code == "res" else (Role.STAFF,)
    if not ctx.has_any(*allowed):
        ctx.audit("denied", subject_type="survey", subject_id=survey.id, note=code)
        return [Reply(ctx.t("common.not_allowed"))]
    return await OFFICE[code](ctx, survey, arg)


async def _open(ctx: Context, survey: Survey, _arg: str) -> list[Reply]:
    count = office.open_now(ctx.session, ctx.services, survey.id)
    if count is None:
        return [Reply(ctx.t("surveys.already_open", number=survey.id), edit=True)]
    ctx.audit("survey.opened", subject_type="survey", subject_id=survey.id, note=str(count))
    return [Reply(ctx.t("surveys.opened", number=survey.id, count=count), edit=True)]


async def _remind(ctx: Context, survey: Survey, arg: str) -> list[Reply]:
    number = parse_int(arg)
    queued = office.remind(ctx.session, ctx.services, survey, number) \
        if number is not None else None
    if queued is None:
        return [Reply(ctx.t("surveys.remind_stale", number=survey.id))]
    ctx.audit("survey.reminded", subject_type="survey", subject_id=survey.id,
              note=f"{number}: {queued}")
    return [Reply(ctx.t("surveys.reminded", number=survey.id, count=queued))]


async def _close(ctx: Context, survey: Survey, _arg: str) -> list[Reply]:
    if not office.close_and_report(ctx.session, ctx.services, survey.id, ctx.now):
        return [Reply(ctx.t("surveys.already_closed", number=survey.id), edit=True)]
    ctx.audit("survey.closed", subject_type="survey", subject_id=survey.id)
    return [Reply(ctx.t(closed_key(ctx.session, survey.id), number=survey.id), edit=True)]


def closed_key(session, survey_id: int) -> str:
    """After a close: results published, or held back because participation fell short."""
    return "surveys.closed" if office.published(session, survey_id) else "surveys.closed_short"


async def _extend(ctx: Context, survey: Survey, arg: str) -> list[Reply]:
    days = parse_int(arg)
    if days not in office.EXTEND_DAYS:
        ctx.audit("forged_payload", note=(ctx.event.payload or "")[:200])
        return [Reply(ctx.t("common.button_unknown"))]
    closes = office.extended_close(survey, ctx.now, days)
    if not office.extend(ctx.session, ctx.services, survey.id, closes, ctx.now):
        return [Reply(ctx.t(extend_refusal(ctx.session, survey.id), number=survey.id))]
    ctx.audit("survey.extended", subject_type="survey", subject_id=survey.id, note=str(days))
    return [Reply(ctx.t("surveys.extended", number=survey.id,
                        closes=local(closes, ctx.services.settings.tz)), edit=True)]


def extend_refusal(session, survey_id: int) -> str:
    """Why an extension was refused: the results are out, or the survey is not open yet."""
    return "surveys.extend_refused_published" if office.published(session, survey_id) \
        else "surveys.extend_refused"


async def _publish(ctx: Context, survey: Survey, _arg: str) -> list[Reply]:
    if not office.publish_as_is(ctx.session, ctx.services, survey.id, ctx.now):
        key = "surveys.already_published" if office.published(ctx.session, survey.id) \
            else "surveys.results_not_yet"
        return [Reply(ctx.t(key, number=survey.id), edit=True)]
    ctx.audit("survey.published", subject_type="survey", subject_id=survey.id)
    return [Reply(ctx.t("surveys.published", number=survey.id), edit=True)]


async def _results(ctx: Context, survey: Survey, _arg: str) -> list[Reply]:
    if survey.state != SurveyState.CLOSED.value:
        return [Reply(ctx.t("surveys.results_not_yet", number=survey.id))]
    if survey.results_at is None:
        return [Reply(ctx.t("surveys.results_unpublished", number=survey.id))]
    results = survey_results.compute(ctx.session, survey)
    return [results_reply(ctx.t, results, ctx.services.settings.data_dir / "surveys")]


OFFICE = {"op": _open, "rm": _remind, "cl": _close, "ext": _extend, "pub": _publish,
          "res": _results}
