"""Our replies as WeCom messages: texts split at 2,048 bytes, buttons as template cards.

Pure rendering, shared by every WeCom way in (the self-built app's API, the AI-bot long
connection): no HTTP here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from bot.core import text_split
from bot.core.types import Button, Reply

MAX_TEXT_BYTES = 2048  # WeCom cuts a text message beyond this
BUTTONS_PER_CARD = 6  # button_interaction cards take at most 6 buttons
TITLE_CHARS = 26  # main_title.title, kept short so no client cuts it
SUB_TITLE_CHARS = 112  # sub_title_text
REPLACE_NAME_CHARS = 10  # a pressed button's new label (update_template_card)
PRESSED = "✓"  # the label of a pressed card's buttons when the new state goes as a new message


@dataclass(frozen=True)
class Outgoing:
    """One WeCom message: its msgtype and body (a file to upload first, for image and file)."""

    msgtype: str
    body: dict


def utf8_bytes(char: str) -> int:
    """What one character counts in WeCom's limits: its UTF-8 bytes."""
    return len(char.encode())


def split_text(text: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """Cut a text into messages of at most `limit` UTF-8 bytes, on character boundaries,
    preferring line breaks; blank texts give no message.
    """
    return text_split.split_text(text, limit, utf8_bytes)


def text_message(text: str) -> Outgoing:
    """A text message (the caller keeps it within 2,048 bytes)."""
    return Outgoing("text", {"content": text})


def render(reply: Reply) -> list[Outgoing]:
    """The reply's texts and cards, in order (attachments are the channel's to upload)."""
    buttons = [button for row in reply.buttons for button in row]
    if not buttons:
        return [text_message(chunk) for chunk in split_text(reply.text)]
    title, sub_title = card_texts(reply.text)
    texts = [] if fits_card(reply.text) else [text_message(c) for c in split_text(reply.text)]
    if texts:
        sub_title = ""
    groups = [buttons[i:i + BUTTONS_PER_CARD] for i in range(0, len(buttons), BUTTONS_PER_CARD)]
    cards = [Outgoing("template_card", card(_numbered(title, n, len(groups)), sub_title, group))
             for n, group in enumerate(groups, start=1)]
    return texts + cards


def fits_card(text: str) -> bool:
    """True when the whole text shows in a card's title and subtitle."""
    first, _, rest = text.strip().partition("\n")
    return len(first) <= TITLE_CHARS and len(rest.strip()) <= SUB_TITLE_CHARS


def card_texts(text: str) -> tuple[str, str]:
    """(title, subtitle) of a card for a text: the first line, then the rest, both cut short."""
    first, _, rest = text.strip().partition("\n")
    return _cut(first or "…", TITLE_CHARS), _cut(rest.strip(), SUB_TITLE_CHARS)


def card(title: str, sub_title: str, buttons: list[Button]) -> dict:
    """A button_interaction template card (at most 6 buttons; each key is the payload)."""
    body = {
        "card_type": "button_interaction",
        "main_title": {"title": title},
        "task_id": f"ld-{secrets.token_hex(12)}",
        "button_list": [{"text": b.label, "style": 1, "key": b.payload}
                        for b in buttons[:BUTTONS_PER_CARD]],
    }
    if sub_title:
        body["sub_title_text"] = sub_title
    return body


def edit_in_place(reply: Reply) -> tuple[str, dict | str] | None:
    """How a pressed card becomes the reply: ("label", new button label) or ("card", a card),
    or None when the reply does not fit one card (the buttons are greyed out with ✓ and the
    reply goes as new messages).

    A short one-line text, or a single short button that shows a state (marked ✓, such as
    已收到 ✓), becomes the pressed card's greyed-out label; a reply that fits a card replaces
    the card. A single action (退出报名) is never greyed out: it must stay pressable.
    """
    buttons = [button for row in reply.buttons for button in row]
    text = reply.text.strip()
    if reply.attachments:
        return None
    if not buttons and "\n" not in text and 0 < len(text) <= REPLACE_NAME_CHARS:
        return "label", text
    if buttons and len(buttons) <= BUTTONS_PER_CARD and fits_card(text):
        return "card", card(*card_texts(text), buttons)
    if len(buttons) == 1 and is_state(buttons[0]):
        return "label", buttons[0].label  # a state shown on the button (收到 → 已收到 ✓)
    return None


def is_state(button: Button) -> bool:
    """True for a short button that only shows where things stand (已收到 ✓), not an action."""
    return button.label.endswith(PRESSED) and len(button.label) <= REPLACE_NAME_CHARS


def _numbered(title: str, number: int, total: int) -> str:
    if total == 1:
        return title
    suffix = f" ({number}/{total})"
    return _cut(title, TITLE_CHARS - len(suffix)) + suffix


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
