"""`liandong calendar` from the command line, and the start-up warning for uncovered years."""

from __future__ import annotations

import signal
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.i18n import Catalogs
from schedules.workdays import WorkCalendar
from tests.fake_bot_api import FakeBotApi
from tests.test_startup import TIMEOUT, finished, liandong, started_bot

ZH, EN = Catalogs().translator("zh_CN"), Catalogs().translator("en")
WARNING = "no holiday schedule for"


def uncovered_now() -> list[int]:
    """This year and the next as the bot process sees them (real clock), less package years."""
    return WorkCalendar().uncovered_years(datetime.now(ZoneInfo("Asia/Shanghai")).date())


def import_years(data: Path, years: list[int]) -> None:
    for year in years:
        path = data.parent / f"calendar-{year}.csv"
        path.write_text(f"日期,类型\n{year}-01-01,休\n", encoding="gb18030")
        result = liandong(data, "calendar", "import", str(path))
        assert result.returncode == 0, result.stderr
        assert f"{year}" in result.stdout and "GB18030" in result.stdout


def test_calendar_import_and_listing_from_the_command_line(tmp_path) -> None:
    data = tmp_path / "data"
    bad = tmp_path / "bad.csv"
    bad.write_text("日期,类型\n2027-01-01,休\n2027-01-01,班\n", encoding="utf-8")
    refused = liandong(data, "calendar", "import", str(bad), locale="en")
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        "nothing imported: 1 bad row in bad.csv",
        "  row 3: date 2027-01-01 is listed twice (first in row 2)",
        "Fix them and import the file again."]
    example = Path(__file__).resolve().parent.parent / "examples" / "calendar-2027.csv"
    done = liandong(data, "calendar", "import", str(example))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("已导入 2027 年的节假日安排（calendar-2027.csv，UTF-8 编码）")
    listed = liandong(data, "calendar", locale="en")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.strip().splitlines()
    assert lines[1].startswith("  2004–2026: the chinesecalendar ")
    assert lines[2].startswith("  2027: imported (calendar-2027.csv, ")
    assert liandong(data, "calendar", "import", str(tmp_path / "missing.csv")).returncode == 2


def test_help_of_the_calendar_commands() -> None:
    from typer.testing import CliRunner

    from bot.__main__ import cli

    for args in (["calendar", "--help"], ["calendar", "import", "--help"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert "<bool>" not in result.output
    assert "日期,类型" in CliRunner().invoke(cli, ["calendar", "import", "--help"]).output


def test_the_console_tells_the_operator_which_years_count_monday_to_friday(tmp_path) -> None:
    data, gaps = tmp_path / "data", uncovered_now()
    line = ZH("calendar.uncovered", years=ZH("common.list_sep").join(map(str, gaps)))
    first = liandong(data, "run", stdin="/help\n")
    assert first.returncode == 0, first.stderr
    shown = [text for text in first.stdout.splitlines() if "liandong calendar import" in text]
    assert shown == ([line] if gaps else [])
    log = (data / "console.log").read_text(encoding="utf-8")
    assert log.count(WARNING) == (1 if gaps else 0)
    import_years(data, gaps)
    second = liandong(data, "run", stdin="/help\n")
    assert second.returncode == 0, second.stderr
    assert "liandong calendar import" not in second.stdout
    assert (data / "console.log").read_text(encoding="utf-8").count(WARNING) == log.count(WARNING)


async def test_on_telegram_the_gap_is_logged_once_the_bot_runs(tmp_path) -> None:
    gaps = uncovered_now()
    async with FakeBotApi() as api:
        bot = await started_bot(tmp_path / "data", "run", telegram_token=api.token,
                                telegram_api_url=api.url)
        try:
            await api.wait_for(lambda: api.calls_to("getUpdates"), timeout=TIMEOUT)
        finally:
            if bot.returncode is None:
                bot.send_signal(signal.SIGTERM)
        code, stderr = await finished(bot)
    assert code == 0, stderr
    warnings = [text for text in stderr.splitlines() if WARNING in text]
    assert len(warnings) == (1 if gaps else 0), stderr
    assert all(" WARNING bot.startup " in text and str(gaps[0]) in text for text in warnings)
