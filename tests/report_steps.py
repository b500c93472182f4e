"""Walking the /report dialog in tests: to the description, to the preview, a full submission."""

from __future__ import annotations

from tests.support import Dialog


def number_in(text: str) -> str:
    """The case number in a receipt."""
    return text.split("问题编号 ")[1].split("。")[0]


async def to_description(dialog: Dialog, area: str) -> None:
    """/report, then pick the area."""
    await dialog.send("/report")
    assert "第1步" in dialog.text
    await dialog.press(area)
    assert "第2步" in dialog.text


async def to_preview(dialog: Dialog, area: str, description: str, *, photos=(),
               location: tuple[float, float] | None = None, address: str | None = None,
               township: str | None = None) -> None:
    """Walk the flow from /report to the preview."""
    await to_description(dialog, area)
    await dialog.send(description)
    assert "第3步" in dialog.text
    for n, data in enumerate(photos, start=1):
        await dialog.send_photo(data)
        assert f"{n}/9" in dialog.text
    await dialog.press("完成")
    assert "第4步" in dialog.text
    if location is not None:
        await dialog.send_location(*location)
    elif address is not None:
        await dialog.send(address)
    else:
        await dialog.press("跳过")
    assert "第5步" in dialog.text
    if township is None:
        keep = next(label for label in dialog.labels() if label.startswith("使用："))
        await dialog.press(keep)
    else:
        await dialog.send(township)
    assert "请核对您反映的问题" in dialog.text and description in dialog.text


async def submit_new(dialog: Dialog, area: str, description: str, **fields) -> str:
    """A full report that finds no similar case; returns its number."""
    await to_preview(dialog, area, description, **fields)
    await dialog.press("提交")
    assert "✅ 已提交！问题编号" in dialog.text, dialog.text
    return number_in(dialog.text)
