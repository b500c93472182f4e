"""State table of `/newsurvey`: title → kind → items (→ how many to choose) → close → preview."""

from bot.flows.engine import FlowSpec
from storage.models import Role

NEW_SURVEY = FlowSpec(
    name="newsurvey",
    states=("title", "kind", "items", "choose", "closes", "preview", "done"),
    transitions=(
        ("named", "title", "kind"),
        ("kind_chosen", "kind", "items"),
        ("listed", "items", "closes"),  # an evaluation's departments
        ("listed_options", "items", "choose"),  # a vote's options
        ("chosen", "choose", "closes"),
        ("dated", "closes", "preview"),
        ("open", "preview", "done"),
    ),
    initial="title",
    roles=frozenset({Role.STAFF}),
)
