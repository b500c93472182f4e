"""Files are received outside the transaction, within a daily quota, and removed when unneeded."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta

import pytest

from bot.core.types import EventKind, MediaRef
from schedules.cleanup import remove_old_exports, remove_unreferenced_media
from schedules.drafts import sweep_stale_drafts
from storage.case_models import CaseMedia
from storage.db import unit_of_work
from tests.factories import Cast, make_case, make_cast
from tests.given import bound, conversation_of, zh
from tests.images import jpeg_bytes
from tests.report_steps import to_description

LAMPS = "青禾大道东段路灯连续两周不亮，夜间行人安全隐患大"


@pytest.fixture
def cast(app, demo) -> Cast:
    return make_cast(app.engine)


def _counting_fetch(data: bytes, calls: list):
    async def fetch() -> bytes:
        calls.append(1)
        return data
    return fetch


async def _at_photos(app, cast: Cast, user_id: str):
    dialog = await bound(app, cast.reporter, user_id)
    await to_description(dialog, cast.area.name_zh)
    await dialog.send(LAMPS)
    return dialog


async def test_a_photo_nobody_asked_for_is_never_downloaded(app, cast):
    dialog = await bound(app, cast.reporter, "9601")
    calls: list = []
    await dialog.send_event(EventKind.PHOTO, media=(
        MediaRef("stray", 1000, "image/jpeg", _counting_fetch(jpeg_bytes(), calls)),))
    assert dialog.text == zh(app)("common.not_understood")
    assert calls == []
    assert not app.settings.media_dir.exists() or not any(app.settings.media_dir.rglob("*.jpg"))


async def test_photos_beyond_the_daily_quota_are_refused_before_download(app, cast, settings):
    settings.max_media_per_day = 2
    dialog = await _at_photos(app, cast, "9602")
    calls: list = []
    for n in range(3):
        await dialog.send_event(EventKind.PHOTO, media=(
            MediaRef(f"p{n}", 1000, "image/jpeg", _counting_fetch(jpeg_bytes((n, 9, 9)), calls)),))
    assert len(calls) == 2
    assert zh(app)("photos.daily_limit", daily=2) in dialog.text
    assert len(conversation_of(app.engine, cast.reporter.id).data["photos"]) == 2


async def test_a_slow_download_does_not_hold_the_database(app, cast):
    """While one person's photo downloads, another person's step that writes goes through."""
    dialog = await _at_photos(app, cast, "9603")
    release = asyncio.Event()

    async def slow_fetch() -> bytes:
        await release.wait()
        return jpeg_bytes()

    upload = asyncio.create_task(dialog.send_event(EventKind.PHOTO, media=(
        MediaRef("slow", 1000, "image/jpeg", slow_fetch),)))
    await asyncio.sleep(0.05)  # the upload is now waiting on the network
    other = await bound(app, cast.member, "9604")  # binding writes to the database
    replies = await asyncio.wait_for(other.send("/report"), timeout=3)
    assert "第1步" in replies[0].text
    assert not upload.done()
    release.set()
    await asyncio.wait_for(upload, timeout=5)
    assert "1/9" in dialog.text


async def test_files_of_an_expired_draft_are_removed_and_a_cases_are_kept(app, cast, clock):
    dialog = await _at_photos(app, cast, "9605")
    await dialog.send_photo(jpeg_bytes((1, 2, 3)))
    draft_sha = conversation_of(app.engine, cast.reporter.id).data["photos"][0][0]
    kept = app.services.media.put_image(jpeg_bytes((9, 8, 7)))
    with unit_of_work(app.engine) as session:
        case = make_case(session, clock.utcnow(), reporter=cast.reporter, group=cast.group)
        session.add(CaseMedia(case_id=case.id, sha256=kept.sha256, ext="jpg", kind="photo",
                              added_by_id=cast.reporter.id, added_at=clock.utcnow()))
    _backdate(app.services.media.root, clock.utcnow() - timedelta(days=4))

    assert remove_unreferenced_media(app.engine, app.services.media, clock.utcnow()) == 0
    clock.advance(days=3)
    with unit_of_work(app.engine) as session:  # reminded, then expired
        sweep_stale_drafts(session, app.services)
    clock.advance(days=1)
    with unit_of_work(app.engine) as session:
        sweep_stale_drafts(session, app.services)
    assert conversation_of(app.engine, cast.reporter.id) is None

    assert remove_unreferenced_media(app.engine, app.services.media, clock.utcnow()) == 1
    left = {path.name.split(".")[0] for path in app.services.media.root.rglob("*.jpg")}
    assert left == {kept.sha256} and draft_sha not in left


async def test_a_fresh_unreferenced_file_waits_out_the_grace_period(app, cast, clock):
    fresh = app.services.media.put_image(jpeg_bytes((4, 4, 4)))
    _backdate(app.services.media.root, clock.utcnow() - timedelta(days=2))
    assert remove_unreferenced_media(app.engine, app.services.media, clock.utcnow()) == 0
    assert fresh.path.exists()


def test_old_exports_are_removed(tmp_path, clock):
    old, new = tmp_path / "old.xlsx", tmp_path / "new.xlsx"
    old.write_bytes(b"x")
    new.write_bytes(b"x")
    stamp = (clock.utcnow() - timedelta(hours=25)).timestamp()
    os.utime(old, (stamp, stamp))
    os.utime(new, (clock.utcnow().timestamp(),) * 2)
    assert remove_old_exports(tmp_path, clock.utcnow()) == 1
    assert not old.exists() and new.exists()


def _backdate(root, moment) -> None:
    """File times are wall-clock; the test's clock is frozen: set them from the frozen clock."""
    for path in root.rglob("*.*"):
        os.utime(path, (moment.timestamp(),) * 2)
