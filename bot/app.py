"""Composition root: settings → engine, catalogs, router, dispatcher; nothing happens on import."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.core.clock import Clock
from bot.core.context import Services
from bot.core.dispatcher import Dispatcher
from bot.core.router import Router
from bot.i18n import Catalogs
from bot.routes import register_routes
from storage.db import make_engine
from storage.media import MediaStore
from storage.outbox_signal import OutboxSignal


@dataclass
class App:
    """The wired application, shared by every channel of one process."""

    settings: Settings
    engine: Engine
    services: Services
    router: Router
    dispatcher: Dispatcher


def build_app(settings: Settings, engine: Engine | None = None, clock: Clock | None = None) -> App:
    """Wire the application from settings (an engine and clock may be handed in by tests)."""
    engine = engine or make_engine(settings.effective_database_url)
    router = Router()
    services = Services(
        settings=settings,
        catalogs=Catalogs(settings.locale),
        clock=clock or Clock(),
        router=router,
        media=MediaStore(settings.media_dir, settings.max_photo_bytes),
        engine=engine,
        outbox_signal=OutboxSignal(engine),
    )
    register_routes(router)
    return App(settings, engine, services, router, Dispatcher(engine, router, services))
