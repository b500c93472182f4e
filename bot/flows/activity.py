"""State tables of activities: `/newevent` (kind → title → start → end → place → capacity →
deadline → repeat → groups → preview), a leave's reason, a new time, a check-in's location, the
work log.
"""

from bot.flows.engine import FlowSpec
from storage.models import Role

NEW_EVENT = FlowSpec(
    name="newevent",
    states=("kind", "title", "start", "end", "place", "capacity", "deadline", "repeat",
            "groups", "preview", "done"),
    transitions=(
        ("chose", "kind", "title"),
        ("titled", "title", "start"),
        ("timed", "start", "end"),
        ("ended", "end", "place"),
        ("placed", "place", "capacity"),
        ("sized", "capacity", "deadline"),
        ("dated", "deadline", "repeat"),
        ("repeated", "repeat", "groups"),
        ("chosen", "groups", "preview"),
        ("edit_title", "preview", "title"),
        ("edit_start", "preview", "start"),
        ("edit_place", "preview", "place"),
        ("edit_groups", "preview", "groups"),
        ("review", "title", "preview"),
        ("review", "end", "preview"),
        ("review", "place", "preview"),
        ("send", "preview", "done"),
    ),
    initial="kind",
    roles=frozenset({Role.SQUAD_LEADER, Role.STAFF}),
)

LEAVE = FlowSpec(
    name="eventleave",
    states=("reason", "done"),
    transitions=(("gave", "reason", "done"),),
    initial="reason",
)

MOVE = FlowSpec(
    name="eventmove",
    states=("start", "done"),
    transitions=(("moved", "start", "done"),),
    initial="start",
    roles=frozenset({Role.SQUAD_LEADER, Role.STAFF}),
)

CHECK_IN = FlowSpec(
    name="eventcheckin",
    states=("where", "done"),
    transitions=(("arrived", "where", "done"),),
    initial="where",
)

WORK_LOG = FlowSpec(
    name="eventlog",
    states=("text", "photos", "done"),
    transitions=(("wrote", "text", "photos"), ("finished", "photos", "done")),
    initial="text",
    roles=frozenset({Role.SQUAD_LEADER, Role.STAFF}),
)
