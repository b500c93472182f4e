"""The `liandong` command line: run, demo, db upgrade, roster import, invites, users, calendar."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from bot.config import Settings, describe_validation_error

# Plain help (rich_markup_mode=None): Typer's rich help prints a "<bool>" type after every flag.
PLAIN = {"no_args_is_help": True, "rich_markup_mode": None}
cli = typer.Typer(add_completion=False, help="Liandong (联动) bot.",
                  pretty_exceptions_show_locals=False, **PLAIN)
db_cli = typer.Typer(help="Database schema.", **PLAIN)
roster_cli = typer.Typer(help="The office's roster of people.", **PLAIN)
export_cli = typer.Typer(help="Exports for the office.", **PLAIN)
users_cli = typer.Typer(help="People on the roster.", rich_markup_mode=None)
calendar_cli = typer.Typer(help="Official holidays per year, for deadlines in working days.",
                           rich_markup_mode=None)
cli.add_typer(db_cli, name="db")
cli.add_typer(roster_cli, name="roster")
cli.add_typer(export_cli, name="export")
cli.add_typer(users_cli, name="users")
cli.add_typer(calendar_cli, name="calendar")
survey_cli = typer.Typer(help="Satisfaction surveys (测评) and votes (票决).", **PLAIN)
cli.add_typer(survey_cli, name="survey")
wecom_cli = typer.Typer(help="The WeCom (企业微信) self-built app.", **PLAIN)
cli.add_typer(wecom_cli, name="wecom")
events_cli = typer.Typer(help="Activities (视察, 座谈会, 培训 …).", **PLAIN)
cli.add_typer(events_cli, name="events")


def load_settings() -> Settings:
    """Read settings; on a bad one print one clear line and stop."""
    try:
        return Settings()
    except ValidationError as error:
        typer.echo(describe_validation_error(error), err=True)
        raise typer.Exit(2) from None


DemoIfEmpty = Annotated[bool, typer.Option(
    "--demo-if-empty", help="Load the demo county into an empty database.")]
RosterFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                            metavar="FILE", help="The .csv or .xlsx roster.")]
SkipBad = Annotated[bool, typer.Option(
    "--skip-bad", help="Import the good rows (a row's unknown groups are left out); "
                       "list the bad ones.")]
DryRun = Annotated[bool, typer.Option(
    "--dry-run", help="Say what would be created, updated and removed; write nothing.")]
Keep = Annotated[bool, typer.Option(
    "--keep", help="Only add: keep groups, roles and liaison duties the file no longer lists.")]
QrDir = Annotated[Path | None, typer.Option(
    "--qr", metavar="DIR", file_okay=False,
    help="Write one QR code per invite and a printable invites.html into DIR.")]
ExportFile = Annotated[Path, typer.Option("--out", dir_okay=False, help="The .xlsx to write.")]
Phone = Annotated[str, typer.Argument(metavar="PHONE", help="The person's mobile number.")]
ScheduleFile = Annotated[Path, typer.Argument(
    exists=True, dir_okay=False, readable=True, metavar="FILE",
    help="One year's schedule: a .csv with the columns 日期,类型 (UTF-8 or GBK).")]
IssueMissing = Annotated[bool, typer.Option(
    "--issue", help="First issue invites to unbound people who have no valid one.")]


@cli.command()
def run(demo_if_empty: DemoIfEmpty = False):
    """Migrate and start the bot: Telegram when a token is set, else the local console."""
    from bot.runtime import run_bot

    run_bot(load_settings(), demo_if_empty)


def _finish(outcome) -> None:
    """Print an office command's outcome; exit 1 when it did not do what was asked."""
    if outcome.text:
        typer.echo(outcome.text, err=not outcome.ok and not outcome.warning)
    if outcome.warning:
        typer.echo(outcome.warning, err=True)
    if not outcome.ok:
        raise typer.Exit(1)


@cli.command()
def demo():
    """Load the fictional demo county (does nothing if it is already loaded).

    Refused on a database that holds a real roster.
    """
    from bot.admin import load_demo_county

    _finish(load_demo_county(load_settings()))


@db_cli.command("upgrade")
def db_upgrade():
    """Apply all database migrations."""
    from bot.admin import upgrade_database

    typer.echo(upgrade_database(load_settings()))


@roster_cli.command("import")
def roster_import(file: RosterFile, skip_bad: SkipBad = False, dry_run: DryRun = False,
                  keep: Keep = False):
    """Import people from a CSV (UTF-8 or GBK) or XLSX roster, all or nothing.

    People are matched by phone. For everyone the file lists, groups, leadership, staff and
    leadership roles and liaison duties become what the file says (unless --keep); people
    the file does not list are left alone.
    """
    from bot.admin import import_roster_file

    _finish(import_roster_file(load_settings(), file, skip_bad=skip_bad, dry_run=dry_run,
                               keep=keep))


@cli.command()
def invites(qr: QrDir = None, issue: IssueMissing = False):
    """List unused invites; with --qr also QR codes holding the Telegram deep link."""
    from bot.admin import list_invites

    _finish(list_invites(load_settings(), qr, issue))


@export_cli.command("cases")
def export_cases(out: ExportFile):
    """Write the 问题清单 (problem list) workbook: every case, and a summary sheet."""
    from bot.admin import export_cases_file

    typer.echo(export_cases_file(load_settings(), out))


@export_cli.command("duty")
def export_duty(out: ExportFile, year: Annotated[int, typer.Option(
        "--year", help="The calendar year, e.g. 2026.", min=2000, max=2100)]):
    """Write the duty record (履职档案) of a year: one row per delegate, a sheet per group."""
    from bot.admin import export_duty_file

    typer.echo(export_duty_file(load_settings(), year, out))


@events_cli.command("import")
def import_events(file: Annotated[Path, typer.Argument(
        exists=True, dir_okay=False, readable=True, metavar="FILE",
        help="The .xlsx (or .csv) sheet of activities.")]):
    """Create activities from an .xlsx (or .csv) sheet, all or nothing; bad rows are listed."""
    from bot.admin import import_events_file

    _finish(import_events_file(load_settings(), file))


@users_cli.callback(invoke_without_command=True)
def users(ctx: typer.Context):
    """List everyone: level, roles, groups (and which they lead), departments, binding."""
    if ctx.invoked_subcommand is None:
        from bot.admin import list_users

        typer.echo(list_users(load_settings()))


@users_cli.command("deactivate")
def users_deactivate(phone: Phone):
    """Take access back: the person becomes a stranger to the bot; pending pushes are cancelled."""
    from bot.admin import set_active

    _finish(set_active(load_settings(), phone, False))


@users_cli.command("activate")
def users_activate(phone: Phone):
    """Give a deactivated person access again (their bound chat accounts work at once)."""
    from bot.admin import set_active

    _finish(set_active(load_settings(), phone, True))


@users_cli.command("not-written")
def users_not_written():
    """Who has not written to the WeCom AI bot yet (it can push only to those who have)."""
    from bot.admin import office_engine, translator
    from handlers.wecom_bot import not_written_text
    from storage.db import unit_of_work

    settings = load_settings()
    with office_engine(settings) as engine, unit_of_work(engine) as session:
        typer.echo(not_written_text(session, translator(settings)))


@calendar_cli.callback(invoke_without_command=True)
def calendar_years(ctx: typer.Context):
    """List the years whose holidays the bot knows, and where from (package or imported)."""
    if ctx.invoked_subcommand is None:
        from bot.admin import list_calendar

        typer.echo(list_calendar(load_settings()))


@calendar_cli.command("import")
def calendar_import(file: ScheduleFile):
    """Import one year's holiday schedule, all or nothing; it replaces that year's earlier import.

    Rows: a date (YYYY-MM-DD) and 休/假/holiday for a day off or 班/workday for a make-up
    working day. Days not listed count Monday to Friday as working days. An imported year
    takes precedence over the chinesecalendar package.
    """
    from bot.admin import import_calendar_file

    _finish(import_calendar_file(load_settings(), file))


SurveyFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                            metavar="FILE", help="The survey, as YAML or XLSX.")]
SurveyId = Annotated[int, typer.Argument(metavar="ID", help="The survey's number.")]


@survey_cli.command("create")
def survey_create(file: SurveyFile):
    """Create a survey from a YAML or XLSX file, all or nothing (every problem is named)."""
    from bot.survey_cli import create_survey

    _finish(create_survey(load_settings(), file))


@survey_cli.command("list")
def survey_list():
    """Every survey with its number, kind, state and close time."""
    from bot.survey_cli import list_surveys

    typer.echo(list_surveys(load_settings()))


@survey_cli.command("open")
def survey_open(number: SurveyId):
    """Open a draft now: every eligible delegate gets it."""
    from bot.survey_cli import open_survey

    _finish(open_survey(load_settings(), number))


@survey_cli.command("close")
def survey_close(number: SurveyId):
    """Close now; results go to staff and leadership."""
    from bot.survey_cli import close_survey

    _finish(close_survey(load_settings(), number))


@survey_cli.command("publish")
def survey_publish(number: SurveyId):
    """Publish a closed survey's results as they are, though participation fell short."""
    from bot.survey_cli import publish_survey

    _finish(publish_survey(load_settings(), number))


@survey_cli.command("extend")
def survey_extend(number: SurveyId, days: Annotated[int, typer.Option(
        "--days", help="How many days later it closes.")] = 3):
    """Move the close later (reopening a closed survey); non-voters are told."""
    from bot.survey_cli import extend_survey

    _finish(extend_survey(load_settings(), number, days))


@export_cli.command("survey")
def export_survey(number: SurveyId, out: ExportFile):
    """Write the 测评结果表 of one survey (results, participation, per-case satisfaction)."""
    from bot.survey_cli import export_survey as write

    _finish(write(load_settings(), number, out))
@wecom_cli.command("menu")
def wecom_menu():
    """Publish the app menu (the main commands) to WeCom, in the deployment's language."""
    import asyncio

    from bot.channels.wecom_errors import WeComApiError, explain
    from bot.channels.wecom_menu import publish_menu
    from bot.i18n import Catalogs

    settings = load_settings()
    if settings.wecom_corp_id is None:
        typer.echo("invalid configuration: LIANDONG_WECOM_CORP_ID: not set", err=True)
        raise typer.Exit(2)
    try:
        typer.echo(asyncio.run(publish_menu(settings, Catalogs(settings.locale))))
    except WeComApiError as error:
        typer.echo(explain(error), err=True)
        raise typer.Exit(1) from None


def main() -> None:
    """Console script entry point."""
    cli(prog_name="liandong")


if __name__ == "__main__":
    sys.exit(main())
