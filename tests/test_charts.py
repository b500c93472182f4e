"""The briefing's charts: real PNGs within Telegram's limits, a font that has every glyph, text."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable

import pytest
from fontTools.ttLib import TTFont
from PIL import Image
from sqlmodel import select

from bot.charts import (
    BLUE,
    NAME_MAX,
    CaseRow,
    ChartOrText,
    Marks,
    RankRow,
    bundled_font,
    cases_chart,
    cases_text,
    chart_or_text,
    fit,
    load_font,
    ranked,
    ranking_chart,
    ranking_text,
    short,
    text_bar,
)
from storage.db import unit_of_work
from storage.models import Area, Group

LONG_NAME = "清理规范资源能源项目与房地产开发项目及公共卫生领域突出问题联合整治工作专班"
SQUADS = ("清理规范资源能源项目工作专班", "房地产开发项目工作专班", "公共卫生工作专班",
          "第一执法检查组", "城关镇代表小组", "法制专项代表小组", "北关社区基层工作组")
ZH = {"ranking": "每日调度通报 · 2026-11-23 专班排名", "cases": "各专班未办结与逾期问题",
      "legend": ("未办结", "逾期"), "marks": Marks("流动红旗", "约谈")}
EN = {"ranking": "Daily briefing 2026-11-23: squad ranking",
      "cases": "Open and overdue cases by squad", "legend": ("Open", "Overdue"),
      "marks": Marks("Red flag", "Called to account")}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def rank_rows(count: int) -> list[RankRow]:
    """`count` squads with distinct scores, in no particular order; one red flag, two flagged."""
    return [RankRow(f"{SQUADS[i % len(SQUADS)]}{i}", float((i * 37) % 101), red_flag=i == 1,
                    flagged=i in (2, 5)) for i in range(count)]


def case_rows(count: int) -> list[CaseRow]:
    """`count` squads, some with nothing open, some with everything overdue."""
    return [CaseRow(f"{SQUADS[i % len(SQUADS)]}{i}", i % 13, (i % 13) // (1 + i % 3))
            for i in range(count)]


def opened(png: bytes) -> Image.Image:
    """The PNG decoded by Pillow, checked to be one."""
    assert png.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG"
    return image


def assert_sendable_photo(image: Image.Image) -> None:
    """Telegram's limits for a photo: width + height <= 10,000, sides at most 20:1."""
    width, height = image.size
    assert width + height <= 10_000
    assert max(width, height) <= 20 * min(width, height)


@pytest.mark.parametrize("count", [0, 1, 25, 200])
def test_both_charts_are_real_pngs_within_telegram_limits(count: int) -> None:
    for png in (ranking_chart(ZH["ranking"], rank_rows(count), ZH["marks"]),
                cases_chart(ZH["cases"], case_rows(count), ZH["legend"])):
        image = opened(png)
        assert_sendable_photo(image)
        assert image.width >= 600 and image.height >= 60 + 30 * count
        assert len(png) < 10 * 1024 * 1024  # a photo Telegram accepts by upload


def test_english_words_draw_too() -> None:
    assert_sendable_photo(opened(ranking_chart(EN["ranking"], rank_rows(8), EN["marks"])))
    assert_sendable_photo(opened(cases_chart(EN["cases"], case_rows(8), EN["legend"])))


@pytest.fixture(scope="module")
def cmap() -> dict[int, str]:
    """The bundled font's character map: code point → glyph name."""
    return TTFont(bundled_font(), lazy=True).getBestCmap()


def missing_glyphs(cmap: dict[int, str], labels: Iterable[str]) -> set[str]:
    """The characters of `labels` that the font has no glyph for (drawn as tofu boxes)."""
    return {char for label in labels for char in label if ord(char) not in cmap}


def words(language: dict) -> list[str]:
    """Every word a caller passes in for one language: titles, legend, marks."""
    marks = language["marks"]
    return [language["ranking"], language["cases"], *language["legend"], marks.red_flag,
            marks.flagged]


def test_the_font_comes_from_the_package_not_the_system() -> None:
    font = bundled_font()
    assert font.is_file() and "pylopdf_fonts_zh_cn" in font.parts
    assert TTFont(font, lazy=True)["name"].getDebugName(1) == "Noto Sans SC"


def test_the_font_has_every_character_of_the_labels(cmap) -> None:
    labels = [*words(ZH), *words(EN), *SQUADS, LONG_NAME, "…0123456789.%"]
    assert missing_glyphs(cmap, labels) == set()


def test_the_font_has_every_character_of_the_demo_countys_names(cmap, engine, demo) -> None:
    with unit_of_work(engine) as session:
        groups = session.exec(select(Group.name)).all()
        areas = [name for area in session.exec(select(Area)).all()
                 for name in (area.name_zh, area.name_en)]
    assert len(groups) == 25
    assert missing_glyphs(cmap, [*groups, *areas]) == set()


def test_the_glyph_check_catches_a_character_the_font_lacks(cmap) -> None:
    assert missing_glyphs(cmap, ["流动红旗🚩", "约谈\U000f0000"]) == {"🚩", "\U000f0000"}


def test_han_titles_draw_as_glyphs_not_tofu(cmap) -> None:
    absent = "\U000f0000\U000f0001"  # two characters no font here has: both draw as tofu
    assert missing_glyphs(cmap, [absent]) == set(absent)
    rows = rank_rows(3)
    tofu = ranking_chart(absent, rows)
    assert ranking_chart("\U000f0002\U000f0003", rows) == tofu  # tofu looks alike
    assert ranking_chart("联动", rows) != tofu
    assert ranking_chart("联动", rows) != ranking_chart("调度", rows)


def bar_lengths(image: Image.Image) -> list[int]:
    """The length of each blue bar from the top: bands of rows with blue pixels."""
    rgb = image.convert("RGB")
    pixels = rgb.load()
    blue = tuple(int(BLUE[i:i + 2], 16) for i in (1, 3, 5))
    lengths, band = [], 0
    for y in range(rgb.height):
        count = sum(1 for x in range(rgb.width)
                    if sum(abs(a - b) for a, b in zip(pixels[x, y], blue, strict=True)) < 40)
        if count:
            band = max(band, count)
        elif band:
            lengths.append(band)
            band = 0
    return lengths


def test_the_ranking_draws_the_best_at_the_top() -> None:
    rows = [RankRow("公共卫生工作专班", 50), RankRow("养老服务工作专班", 90),
            RankRow("民生实事工作专班", 70), RankRow("第一执法检查组", 20)]
    lengths = bar_lengths(opened(ranking_chart("排名", rows)))
    assert len(lengths) == 4
    assert lengths == sorted(lengths, reverse=True) and len(set(lengths)) == 4
    assert lengths[1] / lengths[0] == pytest.approx(70 / 90, abs=0.01)


def test_ranked_is_best_first_and_ties_share_a_rank() -> None:
    rows = [RankRow("甲", 60), RankRow("乙", 80), RankRow("丙", 60), RankRow("丁", 95)]
    assert [(rank, row.name) for rank, row in ranked(rows)] == [
        (1, "丁"), (2, "乙"), (3, "甲"), (3, "丙")]


def test_a_long_name_is_shortened_and_leaves_the_bars_their_room() -> None:
    font = load_font(18)
    shortened = fit(LONG_NAME, font, NAME_MAX)
    assert shortened.endswith("…") and LONG_NAME.startswith(shortened[:-1])
    assert font.getlength(shortened) <= NAME_MAX
    assert fit(SQUADS[0], font, NAME_MAX) == SQUADS[0]  # the longest real squad name fits
    rows = [RankRow(LONG_NAME * 3, 90), RankRow("公共卫生工作专班", 45)]
    assert bar_lengths(opened(ranking_chart("排名", rows)))[0] > 300


def test_the_text_shortens_long_names_by_display_width() -> None:
    assert short(SQUADS[0]) == SQUADS[0]
    assert short(LONG_NAME) == LONG_NAME[:15] + "…"  # 15 characters take 30 of 32 columns
    assert short("Called to account for the third time in a row") == (
        "Called to account for the third…")


def test_ranking_text_has_bars_best_first_and_the_marks() -> None:
    rows = [RankRow("公共卫生工作专班", 40, flagged=True), RankRow(LONG_NAME, 80, red_flag=True)]
    lines = ranking_text("排名", rows, ZH["marks"]).splitlines()
    assert lines == ["排名", f"1. {'█' * 12} 80 {short(LONG_NAME)} 🚩流动红旗",
                     f"2. {'█' * 6} 40 公共卫生工作专班 ⚠️约谈"]


def test_cases_text_has_bars_the_legend_and_both_numbers() -> None:
    rows = [CaseRow("公共卫生工作专班", 8, 3), CaseRow("养老服务工作专班", 1, 0),
            CaseRow("民生实事工作专班", 0, 0)]
    assert cases_text("逾期", rows, ZH["legend"]).splitlines() == [
        "逾期", f"公共卫生工作专班 {'█' * 12} 未办结 8 · 逾期 3",
        "养老服务工作专班 █▌ 未办结 1 · 逾期 0", "民生实事工作专班 未办结 0 · 逾期 0"]


def test_text_bars_count_in_eighths() -> None:
    assert [text_bar(n, 8, cells=1) for n in range(9)] == [
        "", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"]
    assert text_bar(0.001, 100) == "▏"  # anything above zero shows
    assert text_bar(5, 0) == text_bar(-1, 10) == ""


def test_overdue_cases_are_a_part_of_the_open_ones() -> None:
    with pytest.raises(ValueError, match="overdue"):
        CaseRow("公共卫生工作专班", 2, 3)


def test_a_missing_font_falls_back_to_text_and_warns_once(tmp_path, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="bot.charts")
    drawer = ChartOrText(tmp_path / "no-such-font.otf")
    ranking = drawer.ranking(ZH["ranking"], rank_rows(5), ZH["marks"])
    cases = drawer.cases(ZH["cases"], case_rows(5), ZH["legend"])
    assert ranking == ranking_text(ZH["ranking"], rank_rows(5), ZH["marks"])
    assert cases == cases_text(ZH["cases"], case_rows(5), ZH["legend"])
    assert "█" in ranking and "█" in cases
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "text" in warnings[0].getMessage()


def test_too_many_squads_for_a_photo_fall_back_to_text() -> None:
    with pytest.raises(ValueError, match="too large"):
        ranking_chart("排名", rank_rows(400))
    assert isinstance(ChartOrText().ranking("排名", rank_rows(400)), str)


def test_the_process_wide_drawer_draws_pngs(caplog) -> None:
    caplog.set_level(logging.WARNING, logger="bot.charts")
    assert chart_or_text() is chart_or_text()
    assert chart_or_text().ranking(EN["ranking"], rank_rows(3)).startswith(PNG_SIGNATURE)
    assert chart_or_text().cases(EN["cases"], case_rows(3), EN["legend"]).startswith(
        PNG_SIGNATURE)
    assert caplog.records == []
