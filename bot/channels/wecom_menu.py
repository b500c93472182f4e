"""The app menu WeCom shows under the chat: the main commands, in the deployment's language."""

from __future__ import annotations

from bot.i18n import Translator

# (catalog key, command) per entry; a group is (catalog key, entries). WeCom allows 3 groups of 5.
MENU = (
    ("wecom.menu.report", "/report"),
    ("wecom.menu.work", (("wecom.menu.mycases", "/mycases"), ("wecom.menu.inbox", "/inbox"),
                         ("wecom.menu.tasks", "/tasks"), ("wecom.menu.notices", "/notices"),
                         ("wecom.menu.supervise", "/supervise"))),
    ("wecom.menu.more", (("wecom.menu.menu", "/menu"), ("wecom.menu.whoami", "/whoami"),
                         ("wecom.menu.lang", "/lang"), ("wecom.menu.help", "/help"))),
)


def menu(translate: Translator) -> dict:
    """The menu/create body: each entry a click whose key is the command it runs."""
    return {"button": [_entry(translate, key, target) for key, target in MENU]}


def _entry(translate: Translator, key: str, target) -> dict:
    if isinstance(target, str):
        return {"type": "click", "name": translate(key), "key": target}
    return {"name": translate(key),
            "sub_button": [_entry(translate, sub_key, command) for sub_key, command in target]}


async def publish_menu(settings, catalogs) -> str:
    """Create the app's menu with WeCom; the line to print."""
    from bot.channels.wecom_api import WeComApi, WeComApp

    api = WeComApi(WeComApp(settings.wecom_corp_id, settings.wecom_agent_id,
                            settings.wecom_secret.get_secret_value(), settings.wecom_api_url))
    try:
        await api.create_menu(menu(catalogs.translator(settings.locale)))
    finally:
        await api.close()
    return f"menu published for app {settings.wecom_agent_id}"
