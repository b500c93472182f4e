"""Content-addressed media store: photos checked with Pillow and voice notes, by SHA-256."""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

# Pillow format name -> (file extension, MIME type). HEIF only appears if a plugin registered it.
IMAGE_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
    "HEIF": ("heic", "image/heic"),
}
FILE_EXTENSIONS = {
    "audio/ogg": "ogg",
    "audio/opus": "ogg",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mp4": "m4a",
    "audio/m4a": "m4a",
    "audio/x-m4a": "m4a",
    "audio/amr": "amr",
}
PDF, OLE, ZIP = b"%PDF-", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"PK\x03\x04"
OPENXML = "application/vnd.openxmlformats-officedocument."
# Documents a dialog step may take besides images: MIME type -> (extension, how the bytes begin)
DOCUMENT_TYPES = {
    "application/pdf": ("pdf", PDF),
    "application/msword": ("doc", OLE),
    "application/vnd.ms-excel": ("xls", OLE),
    "application/vnd.ms-powerpoint": ("ppt", OLE),
    OPENXML + "wordprocessingml.document": ("docx", ZIP),
    OPENXML + "spreadsheetml.sheet": ("xlsx", ZIP),
    OPENXML + "presentationml.presentation": ("pptx", ZIP),
}
SHA256_RE = re.compile(r"[0-9a-f]{64}")
EXT_RE = re.compile(r"[a-z0-9]{1,8}")
DEFAULT_MAX_PIXELS = 40_000_000


class MediaRejected(Exception):
    """The bytes were refused; `reason` is one of "too_large", "not_image", "not_document",
    "empty".
    """

    def __init__(self, reason: str) -> None:
        """Keep the machine-readable reason."""
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StoredMedia:
    """A file in the store, named by the SHA-256 of its bytes."""

    sha256: str
    path: Path
    size: int
    mime_type: str
    width: int | None
    height: int | None


@dataclass(frozen=True)
class _ImageInfo:
    ext: str
    mime_type: str
    width: int
    height: int


class MediaStore:
    """Stores bytes at root/ab/cd/<sha256>.<ext>, atomically and at most once."""

    def __init__(self, root: Path, max_bytes: int, max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
        """Files go under `root`; larger than `max_bytes` or `max_pixels` is refused."""
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels

    def put_image(self, data: bytes) -> StoredMedia:
        """Store a JPEG/PNG/WebP/GIF (HEIC if a plugin is loaded) after decoding it fully."""
        self._check_size(data)
        info = self._inspect_image(data)
        sha256 = hashlib.sha256(data).hexdigest()
        path = self._store(data, sha256, info.ext)
        return StoredMedia(sha256, path, len(data), info.mime_type, info.width, info.height)

    def put_file(self, data: bytes, mime_type: str) -> StoredMedia:
        """Store a non-image file (voice notes); only the size is checked."""
        self._check_size(data)
        mime = mime_type.split(";", 1)[0].strip().lower()
        sha256 = hashlib.sha256(data).hexdigest()
        path = self._store(data, sha256, FILE_EXTENSIONS.get(mime, "bin"))
        return StoredMedia(sha256, path, len(data), mime or "application/octet-stream", None, None)

    def put_document(self, data: bytes, mime_type: str | None, max_bytes: int) -> StoredMedia:
        """Store a PDF or office document (DOCUMENT_TYPES) of at most `max_bytes` whose bytes
        begin as its type's do; a PDF is recognised by its bytes whatever its MIME type says.
        """
        if not data:
            raise MediaRejected("empty")
        if len(data) > max_bytes:
            raise MediaRejected("too_large")
        mime = (mime_type or "").split(";", 1)[0].strip().lower()
        if mime not in DOCUMENT_TYPES and data.startswith(PDF):
            mime = "application/pdf"  # e.g. sent as application/octet-stream
        ext, magic = DOCUMENT_TYPES.get(mime, (None, None))
        if ext is None or not data.startswith(magic):
            raise MediaRejected("not_document")
        sha256 = hashlib.sha256(data).hexdigest()
        return StoredMedia(sha256, self._store(data, sha256, ext), len(data), mime, None, None)

    def path_for(self, sha256: str, ext: str) -> Path:
        """Where the file with this digest and extension lives (whether or not it exists)."""
        if not SHA256_RE.fullmatch(sha256) or not EXT_RE.fullmatch(ext):
            raise ValueError(f"bad media name {sha256!r}.{ext!r}")
        return self.root / sha256[:2] / sha256[2:4] / f"{sha256}.{ext}"

    def _check_size(self, data: bytes) -> None:
        if not data:
            raise MediaRejected("empty")
        if len(data) > self.max_bytes:
            raise MediaRejected("too_large")

    def _inspect_image(self, data: bytes) -> _ImageInfo:
        """Identify, verify and decode the image; anything Pillow dislikes is "not_image"."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                return self._decode(data)
        except MediaRejected:
            raise
        except Exception as exc:  # untrusted bytes: Pillow raises many kinds of errors
            raise MediaRejected("not_image") from exc

    def _decode(self, data: bytes) -> _ImageInfo:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format or ""
            width, height = img.size
            if fmt not in IMAGE_FORMATS or width * height > self.max_pixels:
                raise MediaRejected("not_image")
            img.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.load()  # verify() skips pixel data for JPEG; a full decode catches truncation
        ext, mime = IMAGE_FORMATS[fmt]
        return _ImageInfo(ext, mime, width, height)

    def _store(self, data: bytes, sha256: str, ext: str) -> Path:
        path = self.path_for(sha256, ext)
        if path.exists():
            os.utime(path)  # fresh again: the unreferenced-file sweep goes by age
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._write_atomic(path, data)
        return path

    def files(self) -> Iterator[tuple[Path, str]]:
        """Every stored file (and leftover temporary file) with its digest ('' for temporary)."""
        if not self.root.is_dir():
            return
        for path in self.root.glob("??/??/*"):
            digest = path.name.split(".", 1)[0]
            yield path, digest if SHA256_RE.fullmatch(digest) else ""

    @staticmethod
    def _write_atomic(path: Path, data: bytes) -> None:
        """Write to a temporary file beside `path`, flush it to disk, then rename it over."""
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
