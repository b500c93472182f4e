"""WeCom callback XML: each message and event becomes our Event; hostile XML is refused."""

from __future__ import annotations

import pytest

from bot.channels.wecom_inbound import MAX_BODY_BYTES, MalformedXml, parse_xml, to_event
from bot.core.types import EventKind

HEAD = ("<xml><ToUserName><![CDATA[wwcorp]]></ToUserName>"
        "<FromUserName><![CDATA[LiuLeihan]]></FromUserName><CreateTime>1700000000</CreateTime>")


async def fetch(media_id: str) -> bytes:
    """A stand-in for media/get."""
    return f"bytes of {media_id}".encode()


def event_of(body: str):
    """The Event of a plaintext callback body."""
    return to_event(parse_xml(HEAD + body + "<AgentID>1000002</AgentID></xml>"), fetch)


def test_a_text_is_a_text_and_a_slash_line_a_command():
    text = event_of("<MsgType>text</MsgType><Content><![CDATA[路灯不亮]]></Content>"
                    "<MsgId>111</MsgId>")
    assert (text.kind, text.text, text.user_id, text.update_key) == \
        (EventKind.TEXT, "路灯不亮", "LiuLeihan", "msg:111")
    command = event_of("<MsgType>text</MsgType><Content>/case 2026-0017</Content><MsgId>2</MsgId>")
    assert (command.kind, command.command, command.args) == (EventKind.COMMAND, "case", "2026-0017")


@pytest.mark.parametrize(("msg_type", "kind", "mime"), [
    ("image", EventKind.PHOTO, "image/jpeg"),
    ("voice", EventKind.VOICE, "audio/amr"),
    ("file", EventKind.DOCUMENT, None),
])
async def test_media_carry_a_download_of_their_media_id(msg_type, kind, mime):
    event = event_of(f"<MsgType>{msg_type}</MsgType><MediaId>M-{msg_type}</MediaId>"
                     "<MsgId>3</MsgId>")
    assert event.kind is kind
    assert (event.media[0].file_id, event.media[0].mime_type) == (f"M-{msg_type}", mime)
    assert await event.media[0].fetch() == f"bytes of M-{msg_type}".encode()


def test_a_location_is_latitude_x_and_longitude_y():
    event = event_of("<MsgType>location</MsgType><Location_X>28.1941</Location_X>"
                     "<Location_Y>112.9823</Location_Y><Scale>15</Scale><MsgId>4</MsgId>")
    assert event.kind is EventKind.LOCATION
    assert (event.location.latitude, event.location.longitude) == (28.1941, 112.9823)
    broken = event_of("<MsgType>location</MsgType><Location_X>north</Location_X><MsgId>5</MsgId>")
    assert not broken.location.valid


def test_a_menu_click_is_its_command_and_entering_the_app_is_start():
    click = event_of("<MsgType>event</MsgType><Event>click</Event><EventKey>/report</EventKey>")
    assert (click.kind, click.command) == (EventKind.COMMAND, "report")
    assert click.update_key == "event:LiuLeihan|1700000000|click|/report|"
    enter = event_of("<MsgType>event</MsgType><Event>enter_agent</Event><EventKey></EventKey>")
    assert (enter.kind, enter.command) == (EventKind.COMMAND, "start")


def test_a_card_button_is_a_button_with_the_code_to_update_the_card():
    event = event_of("<MsgType>event</MsgType><Event>template_card_event</Event>"
                     "<EventKey>nt:ack:17</EventKey><TaskId>t-9</TaskId>"
                     "<CardType>button_interaction</CardType><ResponseCode>RC-1</ResponseCode>")
    assert (event.kind, event.payload, event.source_message) == \
        (EventKind.BUTTON, "nt:ack:17", "RC-1")


def test_other_events_and_kinds_are_quiet_or_unsupported():
    assert event_of("<MsgType>event</MsgType><Event>LOCATION</Event>") is None
    video = event_of("<MsgType>video</MsgType><MediaId>V</MediaId><MsgId>6</MsgId>")
    assert video.kind is EventKind.UNSUPPORTED


def test_a_long_event_key_is_hashed_to_fit_the_dedupe_column():
    event = event_of("<MsgType>event</MsgType><Event>click</Event>"
                     f"<EventKey>/{'x' * 100}</EventKey>")
    assert len(event.update_key) == 64 and event.update_key.startswith("event#")


@pytest.mark.parametrize("body", [
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    "<xml><Content>&e;</Content></xml>",
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    "<xml><Content>&lol2;</Content></xml>",
    "<xml><Content>unclosed</xml>",
    "<html><Content>x</Content></html>",
    "not xml at all",
    "<xml><Content>" + "x" * MAX_BODY_BYTES + "</Content></xml>",
])
def test_hostile_or_malformed_xml_is_refused(body):
    with pytest.raises(MalformedXml):
        parse_xml(body)


def test_a_file_with_a_name_says_its_type():
    event = event_of("<MsgType>file</MsgType><MediaId>F1</MediaId><FileName>问题清单.xlsx"
                     "</FileName><MsgId>8</MsgId>")
    assert event.media[0].mime_type == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
