"""Telegram's limits: text length in UTF-16 units, photo dimensions; one bad file stops nothing."""

from __future__ import annotations

import hashlib
import io
import logging
import tempfile

import pytest
from PIL import Image

from bot.channels.telegram_convert import MAX_MESSAGE_LENGTH, split_text, utf16_length
from bot.core.types import Attachment, Reply
from tests.fake_bot_limits import MAX_PHOTO_SIDES
from tests.telegram_support import ALICE, ask

EMOJI, RARE_HAN = "😀", "𠀀"  # both outside the BMP: two UTF-16 units each


def test_utf16_length_counts_characters_beyond_the_bmp_twice():
    assert utf16_length("联动") == 2
    assert utf16_length(EMOJI + RARE_HAN + "a") == 5


def test_split_counts_utf16_units_and_keeps_every_character():
    text = EMOJI * 3000  # 3,000 characters, 6,000 units
    chunks = split_text(text)
    assert len(chunks) == 2
    assert all(utf16_length(chunk) <= MAX_MESSAGE_LENGTH for chunk in chunks)
    assert "".join(chunks) == text


def test_split_prefers_line_breaks_and_handles_an_odd_limit():
    lines = [f"{n:03d} " + RARE_HAN * 30 for n in range(200)]  # 64 units a line
    chunks = split_text("\n".join(lines))
    assert all(utf16_length(chunk) <= MAX_MESSAGE_LENGTH for chunk in chunks)
    assert [line for chunk in chunks for line in chunk.split("\n")] == lines
    assert split_text(EMOJI * 3, limit=3) == [EMOJI, EMOJI, EMOJI]  # never half a pair


def replying(reply: Reply):
    """A command handler that answers with `reply`."""
    async def handle(_ctx) -> list[Reply]:
        return [reply]
    return handle


async def test_a_long_text_beyond_the_bmp_goes_out_in_accepted_messages(api, channel):
    text = "\n".join(f"第{n}条：" + EMOJI * 40 + RARE_HAN * 20 for n in range(60))
    assert len(text) < MAX_MESSAGE_LENGTH < utf16_length(text)
    channel.app.router.command("long", replying(Reply(text)), public=True)
    api.user_message(ALICE, "/long")
    sent = await api.wait_for(lambda: len(api.sent_texts(ALICE)) >= 2 and api.sent_texts(ALICE))
    assert [call.status for call in api.calls_to("sendMessage")] == [200] * len(sent)
    assert "\n".join(sent) == text


# --- photos --------------------------------------------------------------------------------

def image_file(path, size: tuple[int, int], fmt: str = "JPEG") -> str:
    """Write a plain image of `size` and return its path."""
    Image.new("RGB", size, (120, 160, 200)).save(path, format=fmt)
    return str(path)


def digest(path: str) -> str:
    """SHA-256 of a file, to prove it was not changed."""
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A temporary-files directory of its own, to see that scaled copies are removed."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def photos(tmp_path):
    """Stored photos: too large, too thin, missing, ordinary (in the order of the reply)."""
    return [
        Attachment(image_file(tmp_path / "large.jpg", (8000, 2500)), "large.jpg", True),
        Attachment(image_file(tmp_path / "thin.png", (4200, 200), "PNG"), "thin.png", True),
        Attachment(str(tmp_path / "gone.jpg"), "gone.jpg", True),
        Attachment(image_file(tmp_path / "small.jpg", (640, 480)), "small.jpg", True),
    ]


async def test_photos_are_fitted_to_telegram_and_one_failure_stops_nothing(
        api, channel, photos, scratch, caplog):
    before = {a.filename: digest(a.path) for a in photos if a.filename != "gone.jpg"}
    reply = Reply("现场照片", attachments=tuple(photos))
    channel.app.router.command("photos", replying(reply), public=True)
    api.user_message(ALICE, "/photos")
    await api.wait_for(lambda: len(api.calls_to("sendPhoto")) >= 2)
    large, small = api.calls_to("sendPhoto")
    assert (large.status, small.status) == (200, 200)
    width, height = _size(large.params["photo"]["content"])
    assert width + height <= MAX_PHOTO_SIDES
    assert width / height == pytest.approx(8000 / 2500, rel=0.01), "the same shape"
    assert _size(small.params["photo"]["content"]) == (640, 480)
    (thin,) = api.calls_to("sendDocument")
    assert thin.status == 200 and thin.params["document"]["filename"] == "thin.png"
    assert "gone.jpg" in caplog.text
    assert {a.filename: digest(a.path) for a in photos if a.filename != "gone.jpg"} == before
    assert list(scratch.iterdir()) == [], "the scaled copy was removed"


async def test_a_photo_telegram_refuses_does_not_stop_the_next(api, channel, photos, caplog):
    first, last = photos[3], Attachment(photos[3].path, "again.jpg", True)
    channel.app.router.command("photos", replying(Reply("", attachments=(first, last))),
                               public=True)
    api.fail_next("sendPhoto", 400, "Bad Request: wrong file identifier/HTTP URL specified")
    api.user_message(ALICE, "/photos")
    await api.wait_for(lambda: len(api.calls_to("sendPhoto")) >= 2)
    assert [call.status for call in api.calls_to("sendPhoto")] == [400, 200]
    assert any(record.levelno == logging.WARNING and "small.jpg" in record.getMessage()
               for record in caplog.records)
    assert "邀请码" in await ask(api, ALICE, "你好"), "the bot carries on"


def _size(content: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(content)) as image:
        return image.size
