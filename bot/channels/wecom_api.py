"""An async client of WeCom's server API (httpx): access token, messages, cards, media, menu."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.channels.wecom_errors import WeComApiError, explain

log = logging.getLogger("liandong.wecom")
TOKEN_EXPIRED = {40014, 42001, 40001}  # invalid, expired, or (for the token call) bad secret
REFRESH_MARGIN = 300  # seconds before expiry when a token is renewed
TIMEOUT = httpx.Timeout(15.0, connect=5.0)
DEFAULT_API_URL = "https://qyapi.weixin.qq.com"


@dataclass(frozen=True)
class WeComApp:
    """Who calls: the corp, the app (agent) and its secret."""

    corp_id: str
    agent_id: int
    secret: str
    api_url: str = DEFAULT_API_URL


class WeComApi:
    """The calls the bot makes; one access token shared, renewed by one caller at a time."""

    def __init__(self, app: WeComApp, clock: Callable[[], float] = time.monotonic,
                 client: httpx.AsyncClient | None = None) -> None:
        self.app, self.clock = app, clock
        self.client = client or httpx.AsyncClient(base_url=app.api_url.rstrip("/"),
                                                  timeout=TIMEOUT)
        self._token: str | None = None
        self._expires = 0.0
        self._renewing = asyncio.Lock()

    async def close(self) -> None:
        """Close the HTTP connections."""
        await self.client.aclose()

    async def token(self, stale: str | None = None) -> str:
        """A valid access token; renewed once when missing, near expiry, or `stale` was refused.

        Callers that arrive while it is being renewed wait for that renewal (single flight).
        """
        if self._fresh(stale):
            return self._token
        async with self._renewing:
            if self._fresh(stale):  # someone renewed it while we waited
                return self._token
            data = await self._get_json("/cgi-bin/gettoken", {
                "corpid": self.app.corp_id, "corpsecret": self.app.secret})
            _check(data, "gettoken")
            self._token = data["access_token"]
            self._expires = self.clock() + float(data.get("expires_in", 7200)) - REFRESH_MARGIN
            return self._token

    def _fresh(self, stale: str | None) -> bool:
        return (self._token is not None and self._token != stale
                and self.clock() < self._expires)

    async def send(self, userid: str, msgtype: str, body: dict) -> dict:
        """message/send to one member; the answer (msgid, response_code for cards)."""
        payload = {"touser": userid, "msgtype": msgtype, "agentid": self.app.agent_id,
                   msgtype: body, "enable_duplicate_check": 0}
        data = await self.call("/cgi-bin/message/send", payload, what=f"message/send {msgtype}")
        if data.get("invaliduser"):  # not in the app's visible range, or not a member any more
            raise WeComApiError(81013, f"invalid user {data['invaliduser']}", "message/send")
        return data

    async def update_card_button(self, userid: str, response_code: str, label: str) -> None:
        """Grey the card's buttons out with `label` (message/update_template_card)."""
        await self.call("/cgi-bin/message/update_template_card", {
            "userids": [userid], "agentid": self.app.agent_id, "response_code": response_code,
            "button": {"replace_name": label}}, what="update_template_card")

    async def update_card(self, userid: str, response_code: str, card: dict) -> None:
        """Replace the pressed card by another one."""
        await self.call("/cgi-bin/message/update_template_card", {
            "userids": [userid], "agentid": self.app.agent_id, "response_code": response_code,
            "template_card": card}, what="update_template_card")

    async def upload(self, path: Path, filename: str, kind: str) -> str:
        """media/upload of a file ("image" or "file"); its media_id (valid three days)."""
        async def attempt(token: str) -> dict:
            with path.open("rb") as handle:
                response = await self.client.post(
                    "/cgi-bin/media/upload", params={"access_token": token, "type": kind},
                    files={"media": (filename, handle)})
            return _json(response, "media/upload")
        data = await self._with_token(attempt, "media/upload")
        return data["media_id"]

    async def download(self, media_id: str) -> bytes:
        """media/get: the bytes of a file a member sent (download at once: ids expire)."""
        async def attempt(token: str) -> dict | bytes:
            response = await self.client.get("/cgi-bin/media/get", params={
                "access_token": token, "media_id": media_id})
            if "json" in response.headers.get("content-type", "") or \
                    "text/plain" in response.headers.get("content-type", ""):
                return _json(response, "media/get")
            response.raise_for_status()
            return response.content
        return await self._with_token(attempt, "media/get")

    async def create_menu(self, menu: dict) -> None:
        """menu/create for the app."""
        await self.call("/cgi-bin/menu/create", menu, what="menu/create",
                        params={"agentid": self.app.agent_id})

    async def call(self, path: str, payload: dict, what: str,
                   params: dict | None = None) -> dict:
        """POST JSON with the access token; WeComApiError (explained) on a nonzero errcode."""
        async def attempt(token: str) -> dict:
            response = await self.client.post(path, params={"access_token": token,
                                                             **(params or {})}, json=payload)
            return _json(response, what)
        return await self._with_token(attempt, what)

    async def _with_token(self, attempt, what: str):
        token = await self.token()
        data = await attempt(token)
        if isinstance(data, dict) and data.get("errcode") in TOKEN_EXPIRED:
            log.info("%s: access token refused (%s); renewing once", what, data.get("errcode"))
            data = await attempt(await self.token(stale=token))
        if isinstance(data, dict):
            _check(data, what)
        return data

    async def _get_json(self, path: str, params: dict) -> dict:
        response = await self.client.get(path, params=params)
        return _json(response, path.rsplit("/", 1)[-1])


def _json(response: httpx.Response, what: str) -> dict:
    if response.status_code >= 500:
        raise WeComApiError(-1, f"HTTP {response.status_code}", what)
    try:
        data = response.json()
    except ValueError as exc:
        raise WeComApiError(-1, f"HTTP {response.status_code}, not JSON", what) from exc
    if not isinstance(data, dict):
        raise WeComApiError(-1, "answer is not a JSON object", what)
    return data


def _check(data: dict, what: str) -> None:
    code = int(data.get("errcode", 0) or 0)
    if code:
        error = WeComApiError(code, str(data.get("errmsg", "")), what)
        log.warning("%s", explain(error))
        raise error
