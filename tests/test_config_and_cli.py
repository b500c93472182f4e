"""Settings are checked at start with one clear line; the CLI drives the console and the office."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlmodel import select

from bot.config import Settings, describe_validation_error
from bot.i18n import Catalogs
from storage.db import make_engine, unit_of_work
from storage.demo import DEMO_STAFF_PHONE, load_demo
from storage.migrate import upgrade
from storage.models import Person
from tests.given import a_delegate

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
    invite_lines = [line for line in result.stdout.splitlines() if "expires" in line]
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
    staff = [line for line in lines if DEMO_STAFF_PHONE in line]
    assert len(staff) == 1 and "staff" in staff[0].split()
    played = [line for line in lines if delegate.phone in line]
    assert len(played) == 1
    assert "delegate" in played[0] and played[0].split()[-1] == "bound"
