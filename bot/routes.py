"""Every command, button prefix and flow of the bot, registered explicitly in one place."""

from __future__ import annotations

from bot.core.router import Router
from bot.flows.activity import CHECK_IN, LEAVE, MOVE, NEW_EVENT, WORK_LOG
from bot.flows.adduser import ADD_PERSON
from bot.flows.ballot import BALLOT
from bot.flows.case_actions import ASSIGN, CASE_NOTE, EXTEND
from bot.flows.newsurvey import NEW_SURVEY
from bot.flows.notice import NOTICE
from bot.flows.report import REPORT
from handlers import adduser, deactivate, drafts, menu, onboarding, wecom_bot
from handlers.activities import buttons as event_buttons
from handlers.activities import compose as event_compose
from handlers.activities import dialogs as event_dialogs
from handlers.activities import duty as event_duty
from handlers.activities import views as event_views
from handlers.activities import worklog as event_worklog
from handlers.briefing import command as briefing
from handlers.cases import (
    action_flows,
    actions,
    assign,
    extensions,
    inbox,
    photos,
    report,
    supervise,
    views,
)
from handlers.notices import buttons as notice_buttons
from handlers.notices import compose as notice_compose
from handlers.notices import progress as notice_progress
from handlers.surveys import ballot as survey_ballot
from handlers.surveys import buttons as survey_buttons
from handlers.surveys import compose as survey_compose
from handlers.surveys import staff as survey_staff
from storage.models import Role


def register_routes(router: Router) -> None:
    """Register all routes on `router`; the order is the order of the help text."""
    router.not_bound = onboarding.not_bound
    router.fallback = menu.fallback
    router.command("start", onboarding.start, public=True, help_key="help.start")
    router.command("help", menu.help_, public=True, help_key="help.help")
    router.command("menu", menu.menu, help_key="help.menu")
    router.command("whoami", menu.whoami, help_key="help.whoami")
    router.command("lang", menu.lang, help_key="help.lang")
    router.button("lang", menu.set_lang)
    router.command("report", report.begin, Role.DELEGATE, help_key="help.report")
    router.command("mycases", views.mycases, Role.DELEGATE, help_key="help.mycases")
    router.command("case", views.case_detail, help_key="help.case")
    router.command("inbox", inbox.inbox, Role.SQUAD_LEADER, Role.STAFF, help_key="help.inbox")
    router.command("tasks", views.tasks, Role.LIAISON, help_key="help.tasks")
    router.command("supervise", supervise.supervise, Role.LEADERSHIP, Role.STAFF,
                   help_key="help.supervise")
    router.command("briefing", briefing.briefing, Role.LEADERSHIP, Role.STAFF,
                   help_key="help.briefing")
    router.command("export", views.export, Role.STAFF, help_key="help.export")
    router.command("notify", notice_compose.begin, Role.SQUAD_LEADER, Role.STAFF,
                   help_key="help.notify")
    router.command("notices", notice_progress.list_notices, Role.SQUAD_LEADER, Role.STAFF,
                   help_key="help.notices")
    router.command("notice", notice_progress.notice_detail, Role.SQUAD_LEADER, Role.STAFF,
                   help_key="help.notice")
    router.button("n", notice_buttons.on_button)
    router.command("newevent", event_compose.begin, Role.SQUAD_LEADER, Role.STAFF,
                   help_key="help.newevent")
    router.command("events", event_views.list_events, help_key="help.events")
    router.command("agenda", event_views.agenda, help_key="help.agenda")
    router.command("roster", event_views.roster_command, Role.SQUAD_LEADER, Role.STAFF,
                   help_key="help.roster")
    router.command("mystats", event_duty.mystats, help_key="help.mystats")
    router.button("ev", event_buttons.on_button)
    router.button("duty", event_duty.group_table, Role.SQUAD_LEADER, Role.STAFF)
    router.flow(NEW_EVENT, event_compose.step)
    router.flow(LEAVE, event_dialogs.leave_step)
    router.flow(MOVE, event_dialogs.move_step)
    router.flow(CHECK_IN, event_dialogs.checkin_step)
    router.flow(WORK_LOG, event_worklog.step, event_worklog.media_room)
    router.command("adduser", adduser.begin, Role.STAFF, help_key="help.adduser")
    router.command("deactivate", deactivate.begin, Role.STAFF, help_key="help.deactivate")
    router.command("notwritten", wecom_bot.not_written, Role.STAFF, help_key="help.notwritten")
    router.button("u", deactivate.on_button, Role.STAFF)
    router.command("cancel", drafts.cancel, help_key="help.cancel")
    router.button("dr", drafts.on_button)
    router.button("c", actions.on_button)
    router.flow(ADD_PERSON, adduser.step)
    router.flow(REPORT, report.step, report.media_room)
    router.flow(CASE_NOTE, action_flows.note_step, photos.photos_step_room)
    router.flow(ASSIGN, assign.step)
    router.flow(EXTEND, extensions.extension_step)
    router.flow(NOTICE, notice_compose.step, notice_compose.media_room, documents=True)
    router.command("surveys", survey_staff.list_surveys, help_key="help.surveys")
    router.command("survey", survey_staff.survey_detail, help_key="help.survey")
    router.button("sv", survey_buttons.on_button)
    router.flow(BALLOT, survey_ballot.step)
    router.command("newsurvey", survey_compose.begin, Role.STAFF, help_key="help.newsurvey")
    router.flow(NEW_SURVEY, survey_compose.step)
