"""WeCom's sending limits, shared by every WeCom way in."""

from __future__ import annotations

from bot.core.channel import ChannelLimits, Rate

# One app to one member: 30 a minute and 1,000 an hour; WeCom drops the excess. WeCom counts
# arrivals, we count departures: the windows are a little longer than WeCom's, so a message
# that left early but arrived late (network, a busy loop) is never counted in the wrong minute.
PER_MEMBER = (Rate(30, 66), Rate(1000, 3660))
DAY = 24 * 3600


def wecom_limits(daily_quota: int) -> ChannelLimits:
    """At most 30 a minute and 1,000 an hour to one member, and the app's daily quota in all.

    WeCom silently drops what goes beyond a member's limits, so the worker must never exceed
    them; the daily quota is the app's (the admin console shows it).
    """
    return ChannelLimits(Rate(daily_quota, DAY), PER_MEMBER, concurrency=16)
