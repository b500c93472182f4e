"""WeCom error codes: what each means for an office, and what the outbox does about it."""

from __future__ import annotations

from bot.core.channel import (
    DeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
    UnreachableError,
)

RATE_LIMITED = {45009, 45033, 45047}  # calls too frequent; too many concurrent; quota
TRANSIENT = {60020, 40014, 42001, 41001, -1}  # fixable by the office, or a token renewal
UNREACHABLE = {81013, 60111, 40003, 46004, 60011, 301002}  # member gone or outside the app's range
OFFICE_HINTS = {
    45009: "WeCom says the app calls its API too often (45009). The bot slows down and retries; "
           "if it keeps happening, the app's daily message quota may be used up: spread large "
           "notices over the day or ask the WeCom admin to raise the quota.",
    60020: "WeCom refuses calls from this server's IP address (60020). In the WeCom admin "
           "console, open the app, 企业可信IP, and add this server's public IP address.",
    40001: "WeCom refused the app's Secret (40001). Copy the Secret again from the app page in "
           "the WeCom admin console into LIANDONG_WECOM_SECRET.",
    40013: "WeCom does not know this corp ID (40013). Check LIANDONG_WECOM_CORP_ID (我的企业 → "
           "企业ID).",
    40056: "WeCom does not know this app (40056). Check LIANDONG_WECOM_AGENT_ID (the app's "
           "AgentId).",
    81013: "The member is not in the app's visible range or has left (81013): add them to the "
           "app's 可见范围 in the WeCom admin console.",
    60011: "The app may not reach this member (60011): widen the app's 可见范围.",
    41001: "The access token is missing (41001).",
    40014: "The access token is invalid (40014); the bot renews it.",
    42001: "The access token expired (42001); the bot renews it.",
}


class WeComApiError(Exception):
    """A WeCom API answer with a nonzero errcode (or no usable answer: code -1)."""

    def __init__(self, code: int, message: str, what: str) -> None:
        super().__init__(f"{what}: errcode {code}: {message}")
        self.code, self.message, self.what = code, message, what


def explain(error: WeComApiError) -> str:
    """One log line: the call, the code and WeCom's words, and what an office can do."""
    hint = OFFICE_HINTS.get(error.code)
    return f"WeCom {error.what} failed: errcode {error.code} ({error.message})" + \
        (f" — {hint}" if hint else "")


def delivery_error(error: WeComApiError) -> DeliveryError:
    """What the outbox does: retry slower, give the member up for now, or fail the message."""
    if error.code in RATE_LIMITED:
        return TransientDeliveryError(explain(error), retry_after=60)
    if error.code in UNREACHABLE:
        return UnreachableError(explain(error))
    if error.code < 0 or error.code in TRANSIENT:
        return TransientDeliveryError(explain(error))
    return PermanentDeliveryError(explain(error))
