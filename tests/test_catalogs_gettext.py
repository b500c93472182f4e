"""GNU gettext's own checker accepts every catalog, without an error or a warning.

The bot reads the .po files with Babel, which forgives more than GNU `msgfmt` does; translators'
tools (Poedit, Weblate, msgmerge) follow GNU. CI has `msgfmt` (package gettext); where it is
missing these tests skip and say so.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bot.i18n import LOCALES_DIR

MSGFMT = shutil.which("msgfmt")
CHECKS = ("--check-format", "--check-header", "--check-domain")
PO_FILES = sorted(LOCALES_DIR.glob("*/LC_MESSAGES/*.po"))

needs_msgfmt = pytest.mark.skipif(
    MSGFMT is None, reason="GNU msgfmt is not installed (apt-get install gettext); "
                           "the .po files were not checked with it")


def _msgfmt(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MSGFMT, *CHECKS, "-o", "/dev/null", str(path)],
                          capture_output=True, text=True, timeout=60, check=False)


def test_there_are_catalogs_to_check() -> None:
    assert len(PO_FILES) >= 12
    assert {p.parent.parent.name for p in PO_FILES} == {"zh_CN", "en"}


@needs_msgfmt
@pytest.mark.parametrize("path", PO_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_msgfmt_accepts_the_catalog_without_errors_or_warnings(path: Path) -> None:
    result = _msgfmt(path)
    said = (result.stdout + result.stderr).strip()
    assert result.returncode == 0 and said == "", f"msgfmt on {path.name}:\n{said}"


@needs_msgfmt
def test_the_check_catches_what_it_should(tmp_path: Path) -> None:
    """A msgstr starting with a newline its msgid lacks, and a default header, are refused."""
    bad = tmp_path / "bad.po"
    bad.write_text(
        'msgid ""\nmsgstr ""\n'
        '"PO-Revision-Date: YEAR-MO-DA HO:MI+ZONE\\n"\n'
        '"Last-Translator: FULL NAME <EMAIL@ADDRESS>\\n"\n'
        '"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "report.preview_voice"\nmsgstr ""\n"\\n"\n"voice"\n', encoding="utf-8")
    result = _msgfmt(bad)
    said = result.stdout + result.stderr
    assert result.returncode != 0
    assert "both begin with '\\n'" in said and "Last-Translator" in said
