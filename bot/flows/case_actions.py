"""State tables of the short dialogs on a case: a note (reason, progress, fix), assign, extend."""

from bot.flows.engine import FlowSpec
from storage.models import Role

CASE_NOTE = FlowSpec(
    name="casenote",
    states=("text", "photos", "done"),
    transitions=(
        ("wrote", "text", "photos"),
        ("finish", "text", "done"),
        ("finish", "photos", "done"),
    ),
    initial="text",
    roles=frozenset({Role.STAFF, Role.SQUAD_LEADER, Role.LIAISON, Role.DELEGATE}),
)

ASSIGN = FlowSpec(
    name="assign",
    states=("department", "deadline", "confirm", "done"),
    transitions=(
        ("chose", "department", "deadline"),
        ("dated", "deadline", "confirm"),
        ("restart", "confirm", "department"),
        ("submit", "confirm", "done"),
    ),
    initial="department",
    roles=frozenset({Role.STAFF}),
)

EXTEND = FlowSpec(
    name="extend",
    states=("days", "reason", "done"),
    transitions=(
        ("chose", "days", "reason"),
        ("finish", "reason", "done"),
    ),
    initial="days",
    roles=frozenset({Role.LIAISON}),
)
