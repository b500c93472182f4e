"""Which stored files something still needs: case, notice and work log media, open drafts."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.activity_models import ActivityLogPhoto
from storage.case_models import CaseMedia
from storage.models import Conversation
from storage.notice_models import NoticeFile


def referenced_digests(session: Session) -> set[str]:
    """SHA-256 digests of every file a case, a notice or an open draft refers to."""
    digests = set(session.exec(select(CaseMedia.sha256).distinct()).all())
    digests.update(session.exec(select(NoticeFile.sha256).distinct()).all())
    digests.update(session.exec(select(ActivityLogPhoto.sha256).distinct()).all())
    for data in session.exec(select(Conversation.data)).all():
        digests.update(_draft_digests(data or {}))
    return digests


def _draft_digests(data: dict) -> set[str]:
    """Drafts keep files as [sha256, ext, …] lists: under "photos" and "files", one under
    "voice".
    """
    pairs = [*(data.get("photos") or []), *(data.get("files") or [])]
    pairs += [data["voice"]] if data.get("voice") else []
    return {pair[0] for pair in pairs if isinstance(pair, list | tuple) and pair}
