"""Invite QR codes (Telegram deep links) and a printable HTML sheet."""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

import qrcode


def deep_link(bot_username: str | None, code: str) -> str:
    """`https://t.me/<bot>?start=<code>`, or the bare command when the bot is unknown."""
    if bot_username:
        return f"https://t.me/{bot_username.lstrip('@')}?start={code}"
    return f"/start {code}"


def write_invite_sheet(folder: Path, rows: list[tuple[str, str, str, datetime]],
                       bot_username: str | None) -> Path:
    """One PNG per invite plus `invites.html` listing them all for printing; returns the sheet."""
    folder.mkdir(parents=True, exist_ok=True)
    cards = []
    for code, name, phone, expires in rows:
        link = deep_link(bot_username, code)
        image = folder / f"{code}.png"
        qrcode.make(link).save(image)
        cards.append(
            f'<div class="card"><img src="{image.name}" alt="{code}"><p><b>{html.escape(name)}</b>'
            f" {html.escape(phone[-4:])}</p><p>邀请码 <code>{code}</code></p>"
            f"<p>有效期至 {expires:%Y-%m-%d}</p><p><small>{html.escape(link)}</small></p></div>")
    sheet = folder / "invites.html"
    sheet.write_text(SHEET.format(cards="\n".join(cards)), encoding="utf-8")
    return sheet


SHEET = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>联动 邀请码</title>
<style>body{{font-family:sans-serif}}.card{{display:inline-block;width:30%;margin:1%;
padding:8px;border:1px dashed #999;text-align:center;page-break-inside:avoid}}
img{{width:160px}}</style><body><h1>联动监督助手 · 代表邀请码</h1>
<p>用手机扫码或在机器人中发送“/start 邀请码”完成绑定。每个邀请码仅限本人使用一次。</p>
{cards}</body></html>
"""
