"""The Telegram webhook as a route of the bot's HTTP app (python-telegram-bot's custom server).

Telegram posts each update with the secret we gave it in X-Telegram-Bot-Api-Secret-Token; a
request without it gets 403 and is not processed. Updates go to the Application's queue.
"""

from __future__ import annotations

import hmac
import json
import logging
from urllib.parse import urlparse

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

log = logging.getLogger("liandong.telegram")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024  # an update is a few KB


def webhook_routes(application: Application, webhook_url: str, secret: str) -> list[Route]:
    """The webhook's route, at the path of its public URL."""
    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("webhook request without the right secret refused")
            return PlainTextResponse("forbidden", status_code=403)
        body = await request.body()
        if len(body) > MAX_UPDATE_BYTES:
            return PlainTextResponse("too large", status_code=413)
        try:
            update = Update.de_json(json.loads(body), application.bot)
        except (ValueError, TypeError, KeyError):
            return PlainTextResponse("not an update", status_code=400)
        await application.update_queue.put(update)
        return PlainTextResponse("")

    return [Route(urlparse(webhook_url).path or "/", receive, methods=["POST"])]
