"""How an activity reads: its time in the deployment's zone and the reader's language, the
invitation with the buttons that fit the kind and the answer given, rosters.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from bot.core.types import Button, Reply, button_rows
from bot.i18n import Translator
from storage.activity_models import MEETINGS, Activity, ActivityAnswer, Answer

ANSWER_LINES = tuple(a.value for a in Answer if a is not Answer.NONE)  # events.answer.<…>
MAP_URL = "https://uri.amap.com/marker?position={lon:.6f},{lat:.6f}"


def when(t: Translator, moment: datetime, zone: tzinfo) -> str:
    """11月25日 周三 09:30 / Wed 25 Nov 09:30."""
    local = moment.astimezone(zone)
    return t("events.when", day=local.day,
             month_name=t(f"events.month.{local.month}"),
             weekday=t(f"events.weekday.{local.weekday()}"), time=local.strftime("%H:%M"))


def span(t: Translator, activity: Activity, zone: tzinfo) -> str:
    """Start and end: the end's time alone when it falls on the same day."""
    start, end = activity.start_at.astimezone(zone), activity.end_at.astimezone(zone)
    tail = end.strftime("%H:%M") if start.date() == end.date() else when(t, end, zone)
    return f"{when(t, start, zone)}–{tail}"


def kind_label(t: Translator, kind: str) -> str:
    """视察, 座谈会 … in the reader's language."""
    return t(f"events.kind.{kind}")


def place(t: Translator, activity: Activity) -> str:
    """The typed place, and the map link of its location when it has one."""
    parts = [activity.place] if activity.place else []
    if activity.latitude is not None and activity.longitude is not None:
        parts.append(t("events.pin", url=MAP_URL.format(lat=activity.latitude,
                                                       lon=activity.longitude)))
    return " ".join(parts) or "—"


def summary(t: Translator, activity: Activity, zone: tzinfo, organiser: str) -> str:
    """The activity in a few lines: kind, title, time, place, organiser, seats, cut-off."""
    number = f"#{activity.id} " if activity.id else ""  # a draft has no number yet
    lines = [t("events.summary", number=number, kind=kind_label(t, activity.kind),
               title=activity.title, when=span(t, activity, zone), place=place(t, activity),
               organiser=organiser)]
    if activity.capacity is not None:
        lines.append(t("events.seats", taken=activity.signed_up, capacity=activity.capacity))
    if activity.signup_deadline is not None:
        lines.append(t("events.deadline_line", when=when(t, activity.signup_deadline, zone)))
    if activity.notes:
        lines.append(activity.notes)
    return "\n".join(lines)


def answer_buttons(t: Translator, activity: Activity, answer: str) -> tuple:
    """The choices an invitation offers given the answer already given (none: the first two).
    At a meeting one who said 参加 may still ask for leave, and one on leave may attend.
    """
    aid, meeting = activity.id, activity.kind in MEETINGS
    yes = Button(t("events.attend" if meeting else "events.sign_up"), f"ev:yes:{aid}")
    no = Button(t("events.leave" if meeting else "events.decline"),
                f"ev:{'leave' if meeting else 'no'}:{aid}")
    if answer == Answer.SIGNED_UP and meeting:
        return button_rows([no])
    if answer in (Answer.SIGNED_UP, Answer.WAITLISTED):
        key = "events.withdraw_waitlist" if answer == Answer.WAITLISTED else "events.withdraw"
        return button_rows([Button(t(key), f"ev:no:{aid}")])
    if answer == Answer.NONE:
        return button_rows([yes, no])
    return button_rows([yes])


def answer_line(t: Translator, answer: ActivityAnswer, position: int = 0) -> str:
    """What the person answered, as the line under their invitation."""
    if answer.answer == Answer.NONE:
        return ""
    if answer.answer == Answer.WITHDRAWN and answer.late:
        return t("events.answer.withdrawn_late")
    return t(f"events.answer.{answer.answer}", position=position, reason=answer.reason)


def invitation(t: Translator, activity: Activity, zone: tzinfo, organiser: str,
               answer: ActivityAnswer | None = None, position: int = 0,
               edit: bool = False) -> Reply:
    """The invitation, with the answer given so far and the choices left."""
    text = t("events.invitation", summary=summary(t, activity, zone, organiser))
    line = answer_line(t, answer, position) if answer else ""
    buttons = answer_buttons(t, activity, answer.answer if answer else Answer.NONE)
    return Reply(f"{text}\n{line}" if line else text, buttons, edit=edit)


def repeat_rule(t: Translator, repeat: dict) -> str:
    """每周 / 每10天 / 每月."""
    return t(f"events.every.{repeat['every']}", days=repeat["days"])
