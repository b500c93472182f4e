"""Step-by-step forms: each state's answer taken by its own function, then the next question."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace

from bot.core.context import Context
from bot.core.types import Reply
from bot.flows.engine import StateMachine
from storage import conversations
from storage.models import Conversation

Taken = tuple[str | None, list[Reply]]  # the trigger to fire (None: stay), and what to say
Taker = Callable[[Context, Conversation], Awaitable[Taken]]
Prompt = Callable[[Context, Conversation], Reply]


@dataclass(frozen=True)
class Form:
    """A dialog with a preview: while a field is being edited, its answer returns to the preview.

    `reviews(state, trigger)` says which answers go back to the preview when editing;
    `edit_in_place`: a choice that stays on its step rewrites the pressed message.
    """

    takers: Mapping[str, Taker]
    prompt: Prompt
    reviews: Callable[[str, str], bool]
    edit_in_place: bool = False

    async def step(self, ctx: Context, conversation: Conversation,
                   machine: StateMachine) -> list[Reply]:
        """Take the answer for the current step; move on, or ask again."""
        state = conversation.state
        trigger, replies = await self.takers[state](ctx, conversation)
        if trigger is None:
            conversations.save(ctx.session, conversation, ctx.now)
            return replies
        if conversation.data.get("editing") and self.reviews(state, trigger):
            trigger = "review"
        conversation.state = machine.move(state, trigger)
        if conversation.state == "done":
            conversations.finish(ctx.session, ctx.person.id)
            return replies
        if conversation.state == "preview":
            conversation.data.pop("editing", None)
        asked = self.prompt(ctx, conversation)
        conversations.save(ctx.session, conversation, ctx.now)
        if self.edit_in_place and conversation.state == state:
            asked = replace(asked, edit=True)
        return [*replies, asked]


def ask_again(ctx: Context, conversation: Conversation, prompt: Prompt, key: str,
              **values: object) -> Taken:
    """Stay on the step: say what was wrong, then ask the step's question again."""
    return None, [Reply(ctx.t(key, **values)), prompt(ctx, conversation)]
