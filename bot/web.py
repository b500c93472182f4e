"""The bot's one HTTP application (Starlette on uvicorn): /healthz and each channel's endpoints."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Route

log = logging.getLogger("liandong.web")


async def healthz(_request: Request) -> PlainTextResponse:
    """Alive: the process serves requests."""
    return PlainTextResponse("ok")


def web_app(routes: list[BaseRoute]) -> Starlette:
    """The HTTP app with the health endpoint and the given routes."""
    return Starlette(routes=[Route("/healthz", healthz), *routes])


class WebServer:
    """Serves the HTTP app inside the bot's event loop until stopped."""

    def __init__(self, app: Starlette, host: str, port: int) -> None:
        config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False,
                                lifespan="off", timeout_graceful_shutdown=5)
        self.server = uvicorn.Server(config)
        self.task: asyncio.Task | None = None

    async def start(self) -> None:
        """Start serving; OSError when it cannot (the port is taken, the address is wrong)."""
        self.task = asyncio.create_task(self._serve())
        while not self.server.started:
            if self.task.done():
                raise OSError("cannot listen (the port is taken or the address is wrong)")
            await asyncio.sleep(0.02)

    async def _serve(self) -> None:
        try:
            await self.server.serve()
        except SystemExit:  # uvicorn exits when it cannot bind; start() reports it
            log.debug("HTTP server stopped at start")

    @property
    def port(self) -> int:
        """The port actually listened on (useful with port 0 in tests)."""
        return self.server.servers[0].sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop serving."""
        if self.task is None:
            return
        self.server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
