"""The bot's one HTTP application (Starlette on uvicorn): /healthz and each channel's endpoints."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

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
        self.host, self.requested_port = host, port
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off",
                                timeout_graceful_shutdown=5)
        self.server = _QuietServer(config)
        self.task: asyncio.Task | None = None
        self.socket: socket.socket | None = None

    async def start(self) -> None:
        """Start serving; OSError (with the system's reason) when the address cannot be had."""
        self.socket = _bound(self.host, self.requested_port)
        self.task = asyncio.create_task(self._serve())
        while not self.server.started:
            if self.task.done():
                raise OSError("the HTTP server stopped at start")
            await asyncio.sleep(0.02)

    async def _serve(self) -> None:
        try:
            await self.server.serve(sockets=[self.socket])
        except SystemExit:  # uvicorn exits on a start-up failure; start() reports it
            log.debug("HTTP server stopped at start")

    @property
    def port(self) -> int:
        """The port actually listened on (useful with port 0 in tests)."""
        return self.socket.getsockname()[1]

    async def stop(self) -> None:
        """Stop serving."""
        if self.task is None:
            return
        self.server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        self.socket.close()


class _QuietServer(uvicorn.Server):
    """uvicorn's server without its signal handlers: the bot's runtime owns SIGINT/SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self):
        """Leave the process's signal handling alone."""
        yield


def _bound(host: str, port: int) -> socket.socket:
    """A listening-ready TCP socket bound to host:port (IPv6 when the host is an IPv6 address)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    bound = socket.socket(family, socket.SOCK_STREAM)
    bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        bound.bind((host, port))
    except OSError:
        bound.close()
        raise
    return bound
