"""`/notify`: a squad leader or staff writes a notice, adds files, chooses whom, previews, sends."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.types import Button, EventKind, Reply, button_rows
from bot.flows.engine import button_value, flow_payload, typed_text
from bot.flows.notice import NOTICE
from handlers.drafts import start_flow
from handlers.form import Form, ask_again
from handlers.notices import audience, send
from handlers.notices.audience import is_staff
from storage.media import IMAGE_FORMATS
from storage.models import Conversation
from storage.notice_models import AudienceKind, NoticeFileKind

FLOW = NOTICE.name
MIN_TEXT, MAX_TEXT, MAX_FILES = 2, 3000, 9
FILE_EVENTS = (EventKind.PHOTO, EventKind.DOCUMENT)
# catalog: notices.file.<reason>, for every refusal the intake can give a file of this step
FILE_REFUSALS = ("too_large", "not_image", "not_document", "empty", "too_many", "daily_limit",
                 "failed")
IMAGE_EXTENSIONS = {ext for ext, _ in IMAGE_FORMATS.values()}
AFTER_EDIT = ("wrote", "files_done", "own_groups")  # what "review" replaces while editing


async def begin(ctx: Context) -> list[Reply]:
    """Open a new notice draft at its first step."""
    if not is_staff(ctx) and not audience.usable_groups(ctx):
        return [Reply(ctx.t("notices.no_group"))]
    conversation = start_flow(ctx, FLOW, NOTICE.initial, {"files": [], "urgent": False})
    return [prompt(ctx, conversation)]


def _again(ctx: Context, conversation: Conversation, key: str, **values):
    return ask_again(ctx, conversation, prompt, key, **values)


async def _take_text(ctx: Context, conversation: Conversation):
    text = typed_text(ctx.event)
    if not text:
        return _again(ctx, conversation, "notices.text_expected")
    if not MIN_TEXT <= len(text) <= MAX_TEXT:
        return _again(ctx, conversation, "notices.text_length", min=MIN_TEXT, max=MAX_TEXT,
                      length=len(text))
    conversation.data["text"] = text
    return "wrote", []


def _files_done(ctx: Context, conversation: Conversation) -> str:
    """Staff choose the kind of audience next; a leader goes straight to their groups."""
    if is_staff(ctx):
        return "files_done"
    led = [group.id for group in audience.usable_groups(ctx)]
    audience.begin_pick(conversation, AudienceKind.GROUPS, led if len(led) == 1 else [])
    return "own_groups"


async def _take_files(ctx: Context, conversation: Conversation):
    if button_value(ctx.event) == "done":
        return _files_done(ctx, conversation), []
    if ctx.event.kind not in FILE_EVENTS or not ctx.event.media:
        return _again(ctx, conversation, "notices.files_expected")
    kept = conversation.data["files"]
    refusal = None
    for ref in ctx.event.media:
        received = ref.received
        if len(kept) >= MAX_FILES:
            refusal = "too_many"
            break
        if received is None or received.refusal:
            refusal = received.refusal if received else "failed"
            break
        kind = NoticeFileKind.PHOTO if received.ext in IMAGE_EXTENSIONS else \
            NoticeFileKind.DOCUMENT
        kept.append([received.sha256, received.ext, kind.value])
    told = [Reply(ctx.t(f"notices.file.{refusal}", **_limits(ctx)))] if refusal else []
    return None, [*told, prompt(ctx, conversation)]


def _limits(ctx: Context) -> dict:
    """The numbers every notices.file.<reason> message may mention."""
    settings, mb = ctx.services.settings, 1024 * 1024
    return {"max": MAX_FILES, "daily": settings.max_media_per_day,
            "photo_mb": settings.max_photo_bytes // mb, "file_mb": settings.max_file_bytes // mb}


async def _take_preview(ctx: Context, conversation: Conversation):
    choice = button_value(ctx.event) or ""
    if choice == "urgent":
        if not is_staff(ctx):
            ctx.audit("denied", subject_type="notice", note="urgent")
            return _again(ctx, conversation, "common.not_allowed")
        conversation.data["urgent"] = not conversation.data.get("urgent")
        return "urgency", []
    if choice in ("edit_text", "edit_files"):
        conversation.data["editing"] = True
        return choice, []
    if choice == "edit_audience":
        return ("edit_audience" if is_staff(ctx) else "edit_groups"), []
    if choice != "send":
        return _again(ctx, conversation, "notices.pick_button")
    return send.send(ctx, conversation)


TAKERS = {"text": _take_text, "files": _take_files, "preview": _take_preview,
          **audience.TAKERS}


def media_room(conversation: Conversation, kind: EventKind) -> int:
    """For the intake: the files step takes photos and documents until it holds nine."""
    if conversation.state != "files" or kind not in FILE_EVENTS:
        return 0
    return max(MAX_FILES - len(conversation.data.get("files", [])), 0)


def _button(ctx: Context, state: str, key: str, value: str) -> Button:
    return Button(ctx.t(key), flow_payload(FLOW, state, value))


def prompt(ctx: Context, conversation: Conversation) -> Reply:
    """The question of the current step, with its buttons."""
    state, data = conversation.state, conversation.data
    if state in audience.PROMPTS:
        return audience.PROMPTS[state](ctx, conversation)
    if state == "files":
        return Reply(ctx.t("notices.ask_files", count=len(data["files"]), max=MAX_FILES),
                     button_rows([_button(ctx, state, "notices.files_done", "done")]))
    if state == "preview":
        return _preview(ctx, conversation)
    return Reply(ctx.t("notices.ask_text", min=MIN_TEXT, max=MAX_TEXT))


def _preview(ctx: Context, conversation: Conversation) -> Reply:
    data = conversation.data
    count = send.audience_count(ctx, data["audience"])
    photos = sum(1 for f in data["files"] if f[2] == NoticeFileKind.PHOTO)
    lines = [ctx.t("notices.preview", text=data["text"], photos=photos,
                   documents=len(data["files"]) - photos, count=count,
                   audience=audience.describe(ctx.t, ctx.session, data["audience"]))]
    if data.get("urgent"):
        lines.append(ctx.t("notices.preview_urgent"))
    urgency = "notices.not_urgent" if data.get("urgent") else "notices.make_urgent"
    first = [Button(ctx.t("notices.send", count=count), flow_payload(FLOW, "preview", "send"))]
    return Reply("\n".join(lines), button_rows(
        first if count else [],
        [_button(ctx, "preview", urgency, "urgent")] if is_staff(ctx) else [],
        [_button(ctx, "preview", "notices.edit_text", "edit_text"),
         _button(ctx, "preview", "notices.edit_files", "edit_files"),
         _button(ctx, "preview", "notices.edit_audience", "edit_audience")],
        [Button(ctx.t("common.cancel"), "cmd:cancel")]))


# Editing a field from the preview returns there; a choice on its own step rewrites the message.
FORM = Form(TAKERS, prompt, lambda _state, trigger: trigger in AFTER_EDIT, edit_in_place=True)
step = FORM.step
