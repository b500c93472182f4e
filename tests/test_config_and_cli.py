"""Settings are checked at start with one clear line; the CLI drives the console and the office."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlmodel import select

from bot.config import Settings, describe_validation_error
from bot.i18n import Catalogs
from storage.db import make_engine, unit_of_work
from storage.demo import DEMO_STAFF_PHONE, load_demo
from storage.migrate import upgrade
from storage.models import Person
from tests.given import a_delegate
from tests.support import postgres_available, postgres_url, with_search_path

TIMEOUT = 180


def _env(data_dir: Path, **settings: str) -> dict[str, str]:
    """The process environment without any LIANDONG_ setting, plus the given ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANDONG_")}
    env["LIANDONG_DATA_DIR"] = str(data_dir)
    env.update({f"LIANDONG_{name.upper()}": value for name, value in settings.items()})
    return env


def _liandong(data_dir: Path, *args: str, stdin: str = "", **settings: str):
    """Run `python -m bot ARGS` in a scratch directory (so no .env is read)."""
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, text=True,
                          capture_output=True, env=_env(data_dir, **settings),
                          cwd=data_dir.parent, timeout=TIMEOUT, check=False)


# --- settings -------------------------------------------------------------------------------

@pytest.mark.parametrize(("setting", "value", "named"), [
    ("timezone", "Mars/Base", "LIANDONG_TIMEZONE"),
    ("locale", "fr", "LIANDONG_LOCALE"),
    ("log_level", "LOUD", "LIANDONG_LOG_LEVEL"),
    ("telegram_webhook_port", "70000", "LIANDONG_TELEGRAM_WEBHOOK_PORT"),
    ("telegram_api_url", "ftp://example.org", "LIANDONG_TELEGRAM_API_URL"),
    ("telegram_webhook_url", "https://bot.example.org/hook", "LIANDONG_TELEGRAM_WEBHOOK_SECRET"),
])
def test_a_bad_setting_is_described_in_one_line_naming_it(monkeypatch, setting, value,
                                                           named) -> None:
    for name in list(os.environ):
        if name.startswith("LIANDONG_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv(f"LIANDONG_{setting.upper()}", value)
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None)
    line = describe_validation_error(caught.value)
    assert "\n" not in line
    assert named in line


def test_webhook_with_secret_is_accepted() -> None:
    settings = Settings(_env_file=None, telegram_webhook_url="https://bot.example.org/hook/",
                        telegram_webhook_secret="s3cret")
    assert settings.telegram_webhook_url == "https://bot.example.org/hook"


def test_invalid_timezone_stops_the_cli_with_one_line(tmp_path) -> None:
    result = _liandong(tmp_path / "data", "db", "upgrade", timezone="Mars/Base")
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "LIANDONG_TIMEZONE" in lines[0]
    assert not (tmp_path / "data" / "liandong.db").exists()


def test_webhook_without_secret_stops_the_cli_with_one_line(tmp_path) -> None:
    result = _liandong(tmp_path / "data", "db", "upgrade",
                       telegram_webhook_url="https://bot.example.org/hook")
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "LIANDONG_TELEGRAM_WEBHOOK_SECRET" in lines[0]


# --- the console and the office commands on one demo county ---------------------------------

def _preview_delegate(tmp: Path) -> Person:
    """The demo county is deterministic: find the delegate to play in a throwaway copy."""
    engine = make_engine(f"sqlite:///{tmp / 'preview.db'}")
    upgrade(engine)
    with unit_of_work(engine) as session:
        load_demo(session, datetime.now(UTC), 30)
    person = a_delegate(engine)
    engine.dispose()
    return person


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """A data directory where `run --demo-if-empty` loaded the demo and a delegate was played."""
    tmp = tmp_path_factory.mktemp("county")
    delegate = _preview_delegate(tmp)
    data = tmp / "data"
    console = _liandong(data, "run", "--demo-if-empty",
                        stdin=f"/as {delegate.phone}\n/whoami\n/help\n")
    return data, delegate, console


def test_console_pipe_plays_a_delegate(county) -> None:
    data, delegate, result = county
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert delegate.name in out
    assert delegate.phone[:3] + "****" + delegate.phone[-4:] in out
    assert "代表" in out
    chinese = Catalogs().translator("zh_CN")
    assert chinese("whoami.roles", roles=chinese("role.delegate")) in out  # 角色：代表
    assert "/whoami" in out
    assert "/adduser" not in out
    engine = make_engine(f"sqlite:///{data / 'liandong.db'}")
    with unit_of_work(engine) as session:
        same = session.exec(select(Person).where(Person.phone == delegate.phone)).one()
    engine.dispose()
    assert same.name == delegate.name


def test_invites_writes_qr_codes_and_a_sheet_with_deep_links(county, tmp_path) -> None:
    data, _, _ = county
    folder = tmp_path / "qr"
    result = _liandong(data, "invites", "--qr", str(folder), telegram_bot_username="demo_bot")
    assert result.returncode == 0, result.stderr
    invite_lines = [line for line in result.stdout.splitlines() if "有效期至" in line]
    assert len(invite_lines) > 400
    codes = {line.split()[0] for line in invite_lines}
    assert {p.stem for p in folder.glob("*.png")} == codes
    sheet = (folder / "invites.html").read_text(encoding="utf-8")
    assert "https://t.me/demo_bot?start=" in sheet
    some = sorted(codes)[0]
    assert f"https://t.me/demo_bot?start={some}" in sheet


def test_users_lists_roles_and_bindings(county) -> None:
    data, delegate, _ = county
    result = _liandong(data, "users")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    chinese = Catalogs().translator("zh_CN")
    staff = [line for line in lines if DEMO_STAFF_PHONE in line]
    assert len(staff) == 1 and chinese("role.staff") in staff[0].split()
    played = [line for line in lines if delegate.phone in line]
    assert len(played) == 1
    assert chinese("role.delegate") in played[0].split()
    assert played[0].split()[-1] == chinese("users.bound")


def test_demo_again_on_the_demo_county_changes_nothing(county) -> None:
    data, _, _ = county
    result = _liandong(data, "demo")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == Catalogs().translator("zh_CN")("demo.already")


def test_invites_without_a_bot_list_codes_but_refuse_qr_codes(county, tmp_path) -> None:
    data, _, _ = county
    folder = tmp_path / "qr"
    result = _liandong(data, "invites", "--qr", str(folder))
    assert result.returncode == 1
    assert len([line for line in result.stdout.splitlines() if "有效期至" in line]) > 400
    assert result.stderr.strip() == Catalogs().translator("zh_CN")("invites.no_bot")
    assert not folder.exists()


def test_users_has_a_header_groups_and_departments(county) -> None:
    data, _, _ = county
    lines = _liandong(data, "users", locale="en").stdout.splitlines()
    assert lines[0].split() == ["id", "name", "phone", "level", "township", "roles", "groups",
                                "liaison", "for", "bound"]
    leader = next(line for line in lines if "(squad leader)" in line)
    assert "Squad leader" in leader
    liaison = next(line for line in lines if " 139" in line)
    assert "Liaison" in liaison and "县" in liaison.split("Liaison")[1]


# --- a real roster: import, then the demo is refused -----------------------------------------

def test_demo_is_refused_on_a_real_roster(tmp_path) -> None:
    from tests.county import make_county, write_csv

    data, county = tmp_path / "data", make_county()
    path = write_csv(county, tmp_path / "县名单.csv")
    dry = _liandong(data, "roster", "import", "--dry-run", str(path))
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[:2] == ["已读取 县名单.csv（GB18030（GBK）编码）",
                                           "预演（--dry-run）：以下是导入将做的更改，数据库没有任何改动。"]
    imported = _liandong(data, "roster", "import", str(path))
    assert imported.returncode == 0, imported.stderr
    assert f"新建 {len(county.rows)} 人" in imported.stdout
    refused = _liandong(data, "demo")
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        Catalogs().translator("zh_CN")("demo.refused", count=len(county.rows))]
    started = _liandong(data, "run", "--demo-if-empty")
    assert started.returncode == 0, started.stderr
    engine = make_engine(f"sqlite:///{data / 'liandong.db'}")
    with unit_of_work(engine) as session:
        phones = set(session.exec(select(Person.phone)).all())
    engine.dispose()
    assert len(phones) == len(county.rows) and DEMO_STAFF_PHONE not in phones


# --- help, the Makefile and .env.example tell the truth --------------------------------------

@pytest.mark.parametrize("args", [[], ["run"], ["demo"], ["roster", "import"], ["invites"],
                                  ["users"], ["db", "upgrade"], ["export", "cases"]])
def test_help_shows_no_type_noise(args: list[str]) -> None:
    from typer.testing import CliRunner

    from bot.__main__ import cli

    result = CliRunner().invoke(cli, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert "--no-" not in result.output


def test_roster_import_help_lists_its_flags() -> None:
    from typer.testing import CliRunner

    from bot.__main__ import cli

    output = CliRunner().invoke(cli, ["roster", "import", "--help"]).output
    for flag in ("--skip-bad", "--dry-run", "--keep"):
        assert flag in output


ROOT = Path(__file__).resolve().parent.parent


def test_makefile_and_env_example_name_only_real_settings() -> None:
    from tests.support import POSTGRES_URL_ENV, REQUIRE_POSTGRES_ENV

    known = {f"LIANDONG_{name.upper()}" for name in Settings.model_fields}
    known |= {POSTGRES_URL_ENV, REQUIRE_POSTGRES_ENV}
    for name in ("Makefile", ".env.example"):
        mentioned = set(re.findall(r"LIANDONG_[A-Z_]+", (ROOT / name).read_text()))
        assert mentioned - known == set(), name


def test_env_example_promises_no_briefing_before_it_exists() -> None:
    has_briefing = any("briefing" in name for name in Settings.model_fields)
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert has_briefing or ("briefing" not in text.lower() and "16:30" not in text)


@pytest.mark.skipif(postgres_available(postgres_url()) is not None, reason="needs PostgreSQL")
def test_db_upgrade_never_prints_the_database_password(tmp_path) -> None:
    schema = f"liandong_pw_{os.getpid()}"
    admin = make_engine(postgres_url())
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        url = make_url(with_search_path(postgres_url(), schema)).set(password="s3cret-pw")
        result = _liandong(tmp_path / "data", "db", "upgrade",
                           database_url=url.render_as_string(hide_password=False))
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
    assert result.returncode == 0, result.stderr
    assert "s3cret-pw" not in result.stdout + result.stderr
    assert "***" in result.stdout


def test_users_deactivate_and_activate_from_the_command_line(tmp_path) -> None:
    data = tmp_path / "data"
    engine = make_engine(f"sqlite:///{data / 'liandong.db'}")
    upgrade(engine)
    with unit_of_work(engine) as session:
        load_demo(session, datetime.now(UTC), 30)
    person = a_delegate(engine)
    gone = _liandong(data, "users", "deactivate", person.phone)
    assert gone.returncode == 0, gone.stderr
    assert f"已停用 {person.name}" in gone.stdout
    assert "已经停用" in _liandong(data, "users", "deactivate", person.phone).stdout
    listed = _liandong(data, "users").stdout
    assert any(person.name in line and "停用" in line for line in listed.splitlines())
    back = _liandong(data, "users", "activate", person.phone)
    assert f"已重新启用 {person.name}" in back.stdout
    unknown = _liandong(data, "users", "deactivate", "13512345678")
    assert unknown.returncode == 1 and "13512345678" in unknown.stderr
    with unit_of_work(engine) as session:
        assert session.get(Person, person.id).active
    engine.dispose()
