"""The WeCom callback over real HTTP: verification, every bad callback refused, redelivery once."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import func, select
from wechatpy.enterprise.crypto import WeChatCrypto

from storage.db import unit_of_work
from storage.models import ProcessedUpdate
from tests.given import a_delegate
from tests.wecom_support import AES_KEY, TOKEN, roster_account, seal

HELLO = ("<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName><FromUserName><![CDATA["
         "liulei]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType>"
         "<Content><![CDATA[/whoami]]></Content><MsgId>77</MsgId><AgentID>1000002</AgentID></xml>")


def processed(engine) -> int:
    """How many callbacks reached the dispatcher's dedupe record."""
    with unit_of_work(engine) as session:
        return session.exec(select(func.count()).select_from(ProcessedUpdate)).one()


async def test_url_verification_answers_the_decrypted_echo(wecom):
    stamp = str(wecom.now())
    sealed, signed = seal(wecom.sealer, "1616140317555161061", stamp, "42")
    response = await wecom.http.get(wecom.url, params={
        "msg_signature": signed, "timestamp": stamp,
        "nonce": "42", "echostr": sealed})
    assert (response.status_code, response.text) == (200, "1616140317555161061")
    forged = await wecom.http.get(wecom.url, params={
        "msg_signature": "0" * 40, "timestamp": stamp, "nonce": "42", "echostr": sealed})
    assert forged.status_code == 403


async def test_the_same_callback_three_times_is_handled_once(wecom, engine):
    roster_account(engine, a_delegate(engine).id, "liulei")
    query, body = wecom.signed(HELLO)
    for _ in range(3):
        response = await wecom.post(query, body)
        assert response.status_code == 200
    assert len(wecom.api.to("liulei")) == 1  # one answer to /whoami
    assert processed(engine) == 1


def _bad_callbacks(wecom):
    query, body = wecom.signed(HELLO)
    other_corp = WeChatCrypto(TOKEN, AES_KEY, "ww0000000000000000")
    entity = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>'
              "<xml><Encrypt>&e;</Encrypt></xml>")
    return {
        "wrong signature": ({**query, "msg_signature": "f" * 40}, body, 403),
        "no signature": ({k: v for k, v in query.items() if k != "msg_signature"}, body, 400),
        "wrong corp id": (*wecom.signed(HELLO, sealer=other_corp), 403),
        "stale timestamp": (*wecom.signed(HELLO, timestamp=wecom.now() - 301), 403),
        "from the future": (*wecom.signed(HELLO, timestamp=wecom.now() + 301), 403),
        "no timestamp": ({**query, "timestamp": "soon"}, body, 400),
        "malformed XML": (query, "<xml><Encrypt>unclosed", 400),
        "entities": (query, entity, 400),
        "oversized": (query, "<xml><Encrypt>" + "A" * 70_000 + "</Encrypt></xml>", 413),
        "tampered ciphertext": (query, body.replace("<![CDATA[", "<![CDATA[A", 2), 403),
    }


@pytest.mark.parametrize("case", ["wrong signature", "no signature", "wrong corp id",
                                  "stale timestamp", "from the future", "no timestamp",
                                  "malformed XML", "entities", "oversized",
                                  "tampered ciphertext"])
async def test_a_bad_callback_is_refused_and_nothing_is_processed(wecom, engine, case, caplog):
    roster_account(engine, a_delegate(engine).id, "liulei")
    query, body, status = _bad_callbacks(wecom)[case]
    response = await wecom.post(query, body)
    assert response.status_code == status
    assert processed(engine) == 0 and wecom.api.sent == []
    assert "WeCom callback refused" in caplog.text


async def test_a_message_for_another_app_is_refused(wecom, engine):
    query, body = wecom.signed(HELLO.replace("<AgentID>1000002", "<AgentID>1000099"))
    response = await wecom.post(query, body)
    assert response.status_code == 403 and processed(engine) == 0


async def test_the_health_endpoint_answers(wecom):
    response = await wecom.http.get(wecom.url.replace("/wecom/callback", "/healthz"))
    assert (response.status_code, response.text) == (200, "ok")


async def test_a_wrong_method_is_refused(wecom):
    response = await wecom.http.put(wecom.url, content=b"x")
    assert response.status_code == 405


async def test_the_answer_does_not_wait_for_the_handling(wecom, engine, monkeypatch):
    roster_account(engine, a_delegate(engine).id, "liulei")
    started, release = asyncio.Event(), asyncio.Event()
    handle = wecom.app.dispatcher.handle

    async def slow(event):
        started.set()
        await release.wait()
        return await handle(event)
    monkeypatch.setattr(wecom.app.dispatcher, "handle", slow)
    query, body = wecom.signed(HELLO)
    response = await wecom.http.post(wecom.url, params=query, content=body)
    assert response.status_code == 200 and wecom.api.sent == []  # answered, not yet handled
    await started.wait()
    release.set()
    await wecom.channel.idle()
    assert len(wecom.api.to("liulei")) == 1

