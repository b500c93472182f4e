"""The content-addressed media store: type checks on the bytes, size caps, layout and dedupe."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image

from storage.media import MediaRejected, MediaStore, StoredMedia

MAX = 64 * 1024


def image_bytes(fmt: str, size: tuple[int, int] = (8, 6)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format=fmt)
    return buf.getvalue()


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def store(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "media", max_bytes=MAX)


@pytest.mark.parametrize(("fmt", "ext", "mime"), [
    ("PNG", "png", "image/png"),
    ("JPEG", "jpg", "image/jpeg"),
    ("WEBP", "webp", "image/webp"),
    ("GIF", "gif", "image/gif"),
])
def test_real_images_are_stored(store: MediaStore, fmt: str, ext: str, mime: str) -> None:
    data = image_bytes(fmt)
    stored = store.put_image(data)
    digest = hashlib.sha256(data).hexdigest()
    assert stored == StoredMedia(digest, store.root / digest[:2] / digest[2:4] / f"{digest}.{ext}",
                                 len(data), mime, 8, 6)
    assert stored.path.read_bytes() == data
    assert files_under(store.root) == [stored.path]


def test_layout_matches_path_for(store: MediaStore) -> None:
    stored = store.put_image(image_bytes("PNG"))
    assert stored.path == store.path_for(stored.sha256, "png")
    rel = stored.path.relative_to(store.root)
    assert rel.parts == (stored.sha256[:2], stored.sha256[2:4], f"{stored.sha256}.png")


@pytest.mark.parametrize(("sha", "ext"), [("../" + "a" * 61, "png"), ("A" * 64, "png"),
                                          ("a" * 63, "png"), ("a" * 64, "p/g"), ("a" * 64, "")])
def test_path_for_refuses_bad_names(store: MediaStore, sha: str, ext: str) -> None:
    with pytest.raises(ValueError):
        store.path_for(sha, ext)


def test_same_bytes_are_written_once(store: MediaStore, monkeypatch: pytest.MonkeyPatch) -> None:
    writes: list[Path] = []
    real_write = MediaStore._write_atomic

    def counting_write(path: Path, data: bytes) -> None:
        writes.append(path)
        real_write(path, data)

    monkeypatch.setattr(MediaStore, "_write_atomic", staticmethod(counting_write))
    data = image_bytes("JPEG")
    first, second = store.put_image(data), store.put_image(data)
    assert first == second
    assert writes == [first.path]
    assert files_under(store.root) == [first.path]


def test_fake_jpeg_header_is_not_an_image(store: MediaStore) -> None:
    with pytest.raises(MediaRejected) as err:
        store.put_image(b"\xff\xd8\xff\xe0" + b"definitely not a photo " * 20)
    assert err.value.reason == "not_image"
    assert files_under(store.root) == []


def test_truncated_jpeg_is_not_an_image(store: MediaStore) -> None:
    data = image_bytes("JPEG", (64, 64))
    with pytest.raises(MediaRejected) as err:
        store.put_image(data[: len(data) // 2])
    assert err.value.reason == "not_image"


def test_other_image_formats_are_refused(store: MediaStore) -> None:
    with pytest.raises(MediaRejected) as err:
        store.put_image(image_bytes("BMP"))
    assert err.value.reason == "not_image"


def test_oversize_is_refused_before_decoding(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    small = MediaStore(tmp_path, max_bytes=100)
    monkeypatch.setattr(Image, "open", lambda *a, **k: pytest.fail("decoded an oversize payload"))
    with pytest.raises(MediaRejected) as err:
        small.put_image(b"x" * 101)
    assert err.value.reason == "too_large"
    assert files_under(tmp_path) == []


def test_exactly_max_bytes_is_accepted(tmp_path: Path) -> None:
    data = image_bytes("PNG")
    assert MediaStore(tmp_path, max_bytes=len(data)).put_image(data).size == len(data)


def test_empty_is_refused(store: MediaStore) -> None:
    for put in (store.put_image, lambda d: store.put_file(d, "audio/ogg")):
        with pytest.raises(MediaRejected) as err:
            put(b"")
        assert err.value.reason == "empty"


def test_too_many_pixels_is_refused(tmp_path: Path) -> None:
    data = image_bytes("PNG", (200, 200))
    with pytest.raises(MediaRejected) as err:
        MediaStore(tmp_path, max_bytes=MAX, max_pixels=1000).put_image(data)
    assert err.value.reason == "not_image"


@pytest.mark.parametrize("pillow_limit", [150, 100])  # warning (>limit) and error (>2*limit)
def test_decompression_bomb_is_refused(store: MediaStore, monkeypatch: pytest.MonkeyPatch,
                                       pillow_limit: int) -> None:
    data = image_bytes("PNG", (20, 15))  # 300 pixels
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", pillow_limit)
    with pytest.raises(MediaRejected) as err:
        store.put_image(data)
    assert err.value.reason == "not_image"


@pytest.mark.parametrize(("mime", "ext"), [
    ("audio/ogg", "ogg"), ("audio/ogg; codecs=opus", "ogg"), ("audio/mpeg", "mp3"),
    ("audio/mp4", "m4a"), ("audio/x-m4a", "m4a"), ("audio/amr", "amr"),
    ("application/x-whatever", "bin"),
])
def test_put_file_picks_extension_from_mime(store: MediaStore, mime: str, ext: str) -> None:
    data = b"OggS voice note " + mime.encode()
    stored = store.put_file(data, mime)
    assert stored.path == store.path_for(hashlib.sha256(data).hexdigest(), ext)
    assert stored.path.read_bytes() == data
    assert (stored.width, stored.height, stored.size) == (None, None, len(data))


def test_put_file_checks_size(tmp_path: Path) -> None:
    with pytest.raises(MediaRejected) as err:
        MediaStore(tmp_path, max_bytes=10).put_file(b"x" * 11, "audio/ogg")
    assert err.value.reason == "too_large"


def test_failed_write_leaves_no_temp_file(store: MediaStore,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("storage.media.os.replace", boom)
    with pytest.raises(OSError):
        store.put_file(b"voice", "audio/ogg")
    assert files_under(store.root) == []
