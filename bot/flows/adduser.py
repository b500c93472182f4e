"""State table of the staff flow that adds one person to the roster and issues their invite."""

from bot.flows.engine import FlowSpec
from storage.models import Role

ADD_PERSON = FlowSpec(
    name="adduser",
    states=("name", "phone", "level", "township", "group", "confirm", "done"),
    transitions=(
        ("named", "name", "phone"),
        ("phoned", "phone", "level"),
        ("leveled", "level", "township"),
        ("placed", "township", "group"),
        ("grouped", "group", "confirm"),
        ("restart", "confirm", "name"),
        ("submit", "confirm", "done"),
    ),
    initial="name",
    roles=frozenset({Role.STAFF}),
)
