"""How a notice reads: the push with its 收到 button, the re-ping, the withdrawal, its files."""

from __future__ import annotations

from bot.core.types import Attachment, Button, Reply, button_rows
from bot.i18n import Translator
from storage.media import MediaStore
from storage.notice_models import Notice, NoticeFile, NoticeFileKind

ACK = "n:ack:"


def ack_payload(notice_id: int) -> str:
    """The payload of the 收到 button of a notice."""
    return f"{ACK}{notice_id}"


def notice_text(t: Translator, notice: Notice, author: str, files: int = 0) -> str:
    """The heading (urgent or not, number, author), the text, and how many files follow."""
    head = t("notices.push.head_urgent" if notice.urgent else "notices.push.head",
             number=notice.id, author=author)
    lines = [head, notice.text]
    if files:
        lines.append(t("notices.push.files", count=files))
    return "\n".join(lines)


def attachments(t: Translator, notice: Notice, files: list[NoticeFile],
                store: MediaStore | None) -> tuple[Attachment, ...]:
    """The notice's photos and documents as attachments, named like 通知12-附件1.pdf."""
    if store is None:
        return ()
    return tuple(Attachment(str(store.path_for(f.sha256, f.ext)),
                            f"{t('notices.file_name', number=notice.id, index=n)}.{f.ext}",
                            is_photo=f.kind == NoticeFileKind.PHOTO)
                 for n, f in enumerate(files, start=1))


def notice_push(t: Translator, notice: Notice, author: str, files: list[NoticeFile],
                store: MediaStore | None) -> Reply:
    """What a recipient gets: the notice, a 收到 button, its files."""
    return Reply(notice_text(t, notice, author, len(files)),
                 button_rows([Button(t("notices.button.ack"), ack_payload(notice.id))]),
                 attachments(t, notice, files, store))


def acknowledged(t: Translator, notice: Notice, author: str, files: int) -> Reply:
    """The pressed message again, its button now 已收到 ✓ (pressing it again changes nothing)."""
    return Reply(notice_text(t, notice, author, files),
                 button_rows([Button(t("notices.button.acked"), ack_payload(notice.id))]),
                 edit=True)


def reping_push(t: Translator, notice: Notice, author: str) -> Reply:
    """A reminder to acknowledge, with the notice's text and the 收到 button again."""
    text = t("notices.reping.head") + "\n" + notice_text(t, notice, author)
    return Reply(text, button_rows([Button(t("notices.button.ack"), ack_payload(notice.id))]))


def withdrawn_push(t: Translator, notice: Notice, author: str) -> Reply:
    """Tells someone who had the notice that it was withdrawn."""
    return Reply(t("notices.withdrawn.push", number=notice.id, author=author))
