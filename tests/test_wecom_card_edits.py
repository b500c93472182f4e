"""A pressed WeCom card greys out into a label only for a state, never over an action."""

from __future__ import annotations

from bot.channels.wecom_cards import edit_in_place
from bot.core.types import Button, Reply

LONG = "📅 活动邀请\n" + "地点：青石镇人民政府三楼会议室集合后前往城关镇各改造小区现场\n" * 5


def test_a_single_state_button_becomes_the_greyed_out_label():
    acked = Reply("通知：" + "很长" * 100, buttons=((Button("已收到 ✓", "n:a:1"),),), edit=True)
    assert edit_in_place(acked) == ("label", "已收到 ✓")


def test_a_single_action_button_is_not_greyed_out_when_the_reply_does_not_fit_a_card():
    signed_up = Reply(LONG + "✅ 您已报名。", buttons=((Button("退出报名", "ev:no:1"),),),
                      edit=True)
    assert edit_in_place(signed_up) is None  # sent anew: the text shown, 退出报名 pressable


def test_a_single_action_button_that_fits_a_card_replaces_the_card():
    kind, card = edit_in_place(Reply("📅 活动邀请\n✅ 您已报名。",
                                     buttons=((Button("退出报名", "ev:no:1"),),), edit=True))
    assert kind == "card" and card["button_list"] == [
        {"text": "退出报名", "style": 1, "key": "ev:no:1"}]
