"""Every command, button prefix and flow of the bot, registered explicitly in one place."""

from __future__ import annotations

from bot.core.router import Router
from bot.flows.adduser import ADD_PERSON
from handlers import adduser, menu, onboarding
from storage.models import Role


def register_routes(router: Router) -> None:
    """Register all routes on `router`; the order is the order of the help text."""
    router.not_bound = onboarding.not_bound
    router.fallback = menu.fallback
    router.command("start", onboarding.start, public=True, help_key="help.start")
    router.command("help", menu.help_, public=True, help_key="help.help")
    router.command("menu", menu.menu, help_key="help.menu")
    router.command("whoami", menu.whoami, help_key="help.whoami")
    router.command("lang", menu.lang, help_key="help.lang")
    router.button("lang", menu.set_lang)
    router.command("adduser", adduser.begin, Role.STAFF, help_key="help.adduser")
    router.flow(ADD_PERSON, adduser.step)
