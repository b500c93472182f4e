"""The `liandong` command line: run, demo, db upgrade, roster import, invites, users."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from bot.config import Settings, describe_validation_error

cli = typer.Typer(add_completion=False, no_args_is_help=True, help="Liandong (联动) bot.",
                  pretty_exceptions_show_locals=False)
db_cli = typer.Typer(no_args_is_help=True, help="Database schema.")
roster_cli = typer.Typer(no_args_is_help=True, help="The office's roster of people.")
cli.add_typer(db_cli, name="db")
export_cli = typer.Typer(no_args_is_help=True, help="Exports for the office.")
cli.add_typer(roster_cli, name="roster")
cli.add_typer(export_cli, name="export")


def load_settings() -> Settings:
    """Read settings; on a bad one print one clear line and stop."""
    try:
        return Settings()
    except ValidationError as error:
        typer.echo(describe_validation_error(error), err=True)
        raise typer.Exit(2) from None


DemoIfEmpty = Annotated[bool, typer.Option(help="Load the demo county into an empty database.")]
RosterFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]
SkipBad = Annotated[bool, typer.Option(
    "--skip-bad", help="Import the good rows (a row's unknown groups are left out); "
                       "list the bad ones.")]
DryRun = Annotated[bool, typer.Option(
    "--dry-run", help="Say what would be created, updated and removed; write nothing.")]
Keep = Annotated[bool, typer.Option(
    "--keep", help="Only add: keep groups, roles and liaison duties the file no longer lists.")]
QrDir = Annotated[Path | None, typer.Option(help="Write one QR code per person and a sheet.")]
ExportFile = Annotated[Path, typer.Option("--out", dir_okay=False, help="The .xlsx to write.")]
IssueMissing = Annotated[bool, typer.Option(help="First issue invites to unbound people.")]


@cli.command()
def run(demo_if_empty: DemoIfEmpty = False):
    """Migrate and start the bot: Telegram when a token is set, else the local console."""
    from bot.runtime import run_bot

    run_bot(load_settings(), demo_if_empty)


@cli.command()
def demo():
    """Load the fictional demo county (does nothing if it is already loaded)."""
    from bot.admin import load_demo_county

    typer.echo(load_demo_county(load_settings()))


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

    outcome = import_roster_file(load_settings(), file, skip_bad=skip_bad, dry_run=dry_run,
                                 keep=keep)
    typer.echo(outcome.text, err=not outcome.ok)
    if not outcome.ok:
        raise typer.Exit(1)


@cli.command()
def invites(qr: QrDir = None, issue: IssueMissing = False):
    """List unused invites (and optionally print QR codes with the Telegram deep link)."""
    from bot.admin import list_invites

    typer.echo(list_invites(load_settings(), qr, issue))


@export_cli.command("cases")
def export_cases(out: ExportFile):
    """Write the 问题清单 (problem list) workbook: every case, and a summary sheet."""
    from bot.admin import export_cases_file

    typer.echo(export_cases_file(load_settings(), out))


@cli.command()
def users():
    """List everyone with their roles and whether their chat account is bound."""
    from bot.admin import list_users

    typer.echo(list_users(load_settings()))


def main() -> None:
    """Console script entry point."""
    cli(prog_name="liandong")


if __name__ == "__main__":
    sys.exit(main())
