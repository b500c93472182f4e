"""The scenarios on WeCom: the self-built app (signed, encrypted callbacks over HTTP, the fake
API) and the AI bot (callbacks on the fake long connection). Buttons are template cards.

A member's account comes from the roster (企业微信账号) and is bound by their first message, as
in production.
"""

from __future__ import annotations

from storage.models import Person
from tests.scenarios.driver import Driver, Shown
from tests.wecom_bot_support import AiBot
from tests.wecom_support import WeCom, roster_account

CONVERSATION = ("aibot_respond_msg", "aibot_send_msg", "aibot_respond_welcome_msg")


def userid_of(person: Person) -> str:
    """The person's 企业微信账号 in the scenarios."""
    return f"member{person.id}"


def card_shown(card: dict, ref: str) -> Shown:
    """A template card as the member sees it: title, subtitle, its buttons."""
    text = "\n".join(filter(None, (card.get("main_title", {}).get("title"),
                                   card.get("sub_title_text"))))
    buttons = card.get("button_list", [])
    return Shown(text, tuple(b["text"] for b in buttons), tuple(b["key"] for b in buttons),
                 "card", ref)


class WeComMembers(Driver):
    """What both WeCom ways in share: roster accounts bound by a first message, texts and
    photos sent by the fake member.
    """

    def member(self, person: Person | None = None):
        """The fake member of a person (the acting one by default)."""
        return self.fake.member(userid_of(person or self.person))

    async def _bind(self, person: Person) -> None:
        roster_account(self.app.engine, person.id, userid_of(person))
        await self.member(person).say("/whoami")

    async def _send(self, text: str) -> None:
        await self.member().say(text)


class WeComAppDriver(WeComMembers):
    """Members of the self-built app; answers and pushes are what the fake API received."""

    name = "wecom"

    def __init__(self, wecom: WeCom) -> None:
        super().__init__(wecom.app)
        self.fake, self.wecom, self.channel = wecom, wecom, wecom.channel

    def screen(self, person: Person) -> list[Shown]:
        shown = [app_message(sent) for sent in self.wecom.api.to(userid_of(person))]
        api = self.wecom.api
        for update in api.updates:
            if userid_of(person) in update["userids"]:
                apply_update(shown, update, api.card_code(update["response_code"]))
        return shown

    async def _press(self, shown: Shown, label: str) -> None:
        await self.member().press(shown.key_of(label), self.wecom.api.click_code(shown.ref))

    async def _location(self, latitude: float, longitude: float) -> None:
        await self.member().location(latitude, longitude)

    async def _photo(self, data: bytes) -> None:
        await self.member().photo(data)


def app_message(sent) -> Shown:
    """One message/send as the member sees it."""
    if sent.msgtype == "text":
        return Shown(sent.body["content"])
    if sent.msgtype == "template_card":
        return card_shown(sent.body, sent.response_code)
    return Shown("", kind="photo" if sent.msgtype == "image" else "file")


def apply_update(shown: list[Shown], update: dict, card_code: str) -> None:
    """update_template_card: the card replaced, or its buttons greyed out with a new label."""
    for index, message in enumerate(shown):
        if message.ref != card_code:
            continue
        if "template_card" in update:
            shown[index] = card_shown(update["template_card"], message.ref)
        else:
            shown[index] = Shown(message.text, (update["button"]["replace_name"],), (), "card",
                                 message.ref)


class WeComBotDriver(WeComMembers):
    """Members talking to the AI bot; answers and pushes are what the fake server received."""

    name = "wecom_bot"
    shares_location = False

    def __init__(self, aibot: AiBot) -> None:
        super().__init__(aibot.app)
        self.fake, self.aibot, self.channel = aibot, aibot, aibot.channel

    def screen(self, person: Person) -> list[Shown]:
        shown: list[Shown] = []
        for sent in self.aibot.server.to(userid_of(person)):
            if sent.cmd in CONVERSATION:
                shown.append(bot_message(sent.body))
            elif sent.cmd == "aibot_respond_update_msg":
                card = sent.body["template_card"]
                shown = [card_shown(card, m.ref) if m.ref == card["task_id"] else m
                         for m in shown]
        return shown

    async def _press(self, shown: Shown, label: str) -> None:
        await self.member().press(shown.key_of(label), shown.ref)

    async def _location(self, latitude: float, longitude: float) -> None:
        raise NotImplementedError("a WeCom AI bot conversation cannot share a location")

    async def _photo(self, data: bytes) -> None:
        await self.member().send("image", self.aibot.server.add_image(data))


def bot_message(body: dict) -> Shown:
    """One message in the AI bot's conversation as the member sees it."""
    for kind in ("markdown", "text"):
        if kind in body:
            return Shown(body[kind]["content"])
    if "template_card" in body:
        card = body["template_card"]
        return card_shown(card, card.get("task_id", ""))
    return Shown("", kind="photo" if body.get("msgtype") == "image" else "file")
