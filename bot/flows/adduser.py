"""State table of the staff flow that adds one person, with their role, and issues the invite."""

from bot.flows.engine import FlowSpec
from storage.models import Role

# A delegate (level chosen) is placed in a township and group before the role, so that 组长 of
# the chosen group can be offered; a person with no level goes straight to the role, which then
# must be one that needs no level (staff, leadership, liaison), as in the roster's rules.
ADD_PERSON = FlowSpec(
    name="adduser",
    states=("name", "phone", "level", "township", "group", "role", "department", "confirm",
            "done"),
    transitions=(
        ("named", "name", "phone"),
        ("phoned", "phone", "level"),
        ("leveled", "level", "township"),
        ("not_delegate", "level", "role"),
        ("placed", "township", "group"),
        ("grouped", "group", "role"),
        ("chose_role", "role", "confirm"),
        ("chose_liaison", "role", "department"),
        ("chose_department", "department", "confirm"),
        ("restart", "confirm", "name"),
        ("submit", "confirm", "done"),
    ),
    initial="name",
    roles=frozenset({Role.STAFF}),
)
