"""The console's buttons: those of the latest answer, numbered on across all its replies."""

from __future__ import annotations

from bot.core.numbers import parse_int
from bot.core.types import Button, Reply


class ButtonBoard:
    """The buttons a typed number may pick: only those of the latest answer.

    An answer is everything printed for one line (its replies, then pushes to the person being
    played); its buttons are numbered from 1 across all of it. The next answer replaces them, and
    an answer without buttons clears them. A line picks a button only when it is a number from 1
    to their count; anything else (a larger number, `3天`, words) goes to the bot as typed, so a
    step that asks for a value gets it without the console knowing which steps do.
    """

    def __init__(self) -> None:
        self.buttons: list[Button] = []
        self.hinted = False

    def new_answer(self) -> None:
        """Forget the buttons of the previous answer."""
        self.buttons = []

    def number(self, reply: Reply) -> list[tuple[int, Button]]:
        """Add a reply's buttons to the answer; each with its number."""
        start = len(self.buttons) + 1
        flat = [button for row in reply.buttons for button in row]
        self.buttons.extend(flat)
        return list(enumerate(flat, start=start))

    def pick(self, typed: str) -> Button | None:
        """The button a typed line picks, if it is a number from 1 to the count."""
        number = parse_int(typed, 1, len(self.buttons))
        return None if number is None else self.buttons[number - 1]

    def first_buttons(self) -> bool:
        """True once: when buttons are shown for the first time (for the console's hint)."""
        if self.hinted or not self.buttons:
            return False
        self.hinted = True
        return True
