"""The WeCom callback endpoint: URL verification (GET) and messages (POST), checked in full.

A request is answered at once and handled after (WeCom waits 5 s, then retries three times).
Anything not signed for us, not fresh, too big or not plain XML is refused with a 4xx and
logged; nothing of it is processed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.channels.wecom_crypto import CryptoError, WeComCrypto
from bot.channels.wecom_inbound import MAX_BODY_BYTES, MalformedXml, parse_xml

log = logging.getLogger("liandong.wecom")
FRESH_SECONDS = 300  # a callback's timestamp may be this far from our clock, either way


class Rejected(Exception):
    """Why a callback is refused, and with which HTTP status."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status, self.why = status, why


class WeComCallback:
    """Checks callbacks for one app and hands the verified messages to `accept`."""

    def __init__(self, crypto: WeComCrypto, agent_id: int, now: Callable[[], float],
                 accept: Callable[[dict[str, str]], None]) -> None:
        self.crypto, self.agent_id, self.now, self.accept = crypto, agent_id, now, accept

    def routes(self, path: str) -> list[Route]:
        """The endpoint, for the bot's HTTP app."""
        return [Route(path, self.endpoint, methods=["GET", "POST"])]

    async def endpoint(self, request: Request) -> Response:
        """GET verifies the URL, POST receives; a refusal is a 4xx and a log line."""
        try:
            if request.method == "GET":
                return PlainTextResponse(self._verify_url(request))
            self.accept(await self._message(request))
            return PlainTextResponse("")
        except Rejected as refusal:
            log.warning("WeCom callback refused (%s) from %s", refusal.why,
                        request.client.host if request.client else "?")
            return PlainTextResponse(refusal.why, status_code=refusal.status)

    def _verify_url(self, request: Request) -> str:
        query = request.query_params
        timestamp, nonce = self._fresh(query), query.get("nonce", "")
        return self._open(query.get("msg_signature", ""), timestamp, nonce,
                          query.get("echostr", ""))

    async def _message(self, request: Request) -> dict[str, str]:
        query = request.query_params
        timestamp = self._fresh(query)
        body = await _limited_body(request)
        envelope = _xml(body)
        plaintext = self._open(query.get("msg_signature", ""), timestamp,
                               query.get("nonce", ""), envelope.get("Encrypt", ""))
        fields = _xml(plaintext)
        agent = fields.get("AgentID", "")
        if agent and agent != str(self.agent_id):
            raise Rejected(403, "for another app")
        return fields

    def _fresh(self, query) -> str:
        timestamp = query.get("timestamp", "")
        if not timestamp.isdigit() or len(timestamp) > 12:
            raise Rejected(400, "no timestamp")
        if abs(self.now() - int(timestamp)) > FRESH_SECONDS:
            raise Rejected(403, "stale or replayed timestamp")
        return timestamp

    def _open(self, signature: str, timestamp: str, nonce: str, encrypted: str) -> str:
        if not (signature and nonce and encrypted):
            raise Rejected(400, "missing signature, nonce or ciphertext")
        try:
            return self.crypto.open(signature, timestamp, nonce, encrypted)
        except CryptoError as exc:
            raise Rejected(403, str(exc)) from None


async def _limited_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise Rejected(413, "too large")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise Rejected(413, "too large")
    return body


def _xml(body: bytes | str) -> dict[str, str]:
    try:
        return parse_xml(body)
    except MalformedXml as exc:
        raise Rejected(400, f"malformed XML ({exc})") from None
