"""WeCom's sending limits, shared by every WeCom way in."""

from __future__ import annotations

from bot.core.channel import ChannelLimits, Rate

PER_MEMBER = (Rate(30, 60), Rate(1000, 3600))  # one app to one member; WeCom drops the excess
DAY = 24 * 3600


def wecom_limits(daily_quota: int) -> ChannelLimits:
    """At most 30 a minute and 1,000 an hour to one member, and the app's daily quota in all.

    WeCom silently drops what goes beyond a member's limits, so the worker must never exceed
    them; the daily quota is the app's (the admin console shows it).
    """
    return ChannelLimits(Rate(daily_quota, DAY), PER_MEMBER, concurrency=16)
