"""Documents in the media store: a PDF or office file whose bytes match its type, within a cap."""

from __future__ import annotations

import pytest

from storage.media import MediaRejected, MediaStore

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def store(tmp_path) -> MediaStore:
    return MediaStore(tmp_path / "media", max_bytes=1024)  # the photo cap does not apply


def test_a_pdf_is_stored_by_its_digest_even_when_its_type_is_not_given(store):
    stored = store.put_document(PDF + b"x" * 4000, "application/octet-stream", 10_000)
    assert stored.path.suffix == ".pdf" and stored.mime_type == "application/pdf"
    assert stored.path == store.path_for(stored.sha256, "pdf") and stored.path.is_file()


def test_an_office_file_is_named_by_its_type(store):
    assert store.put_document(b"PK\x03\x04word", DOCX, 100).path.suffix == ".docx"
    assert store.put_document(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1xls", "application/vnd.ms-excel",
                              100).path.suffix == ".xls"


@pytest.mark.parametrize(("data", "mime", "reason"), [
    (b"MZ\x90\x00", "application/pdf", "not_document"),  # a program calling itself a PDF
    (b"%PDF-1.4", DOCX, "not_document"),  # the bytes are not the type's
    (b"PK\x03\x04", "application/zip", "not_document"),  # not a type we take
    (b"", "application/pdf", "empty"),
    (PDF + b"x" * 200, "application/pdf", "too_large"),
])
def test_anything_else_is_refused(store, data, mime, reason):
    with pytest.raises(MediaRejected) as refused:
        store.put_document(data, mime, 100)
    assert refused.value.reason == reason
    assert not store.root.exists() or not list(store.root.rglob("*.*"))
