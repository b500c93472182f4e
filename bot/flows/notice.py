"""State table of a notice (通知): text → files → audience → preview → send."""

from bot.flows.engine import FlowSpec
from storage.models import Role

PICKS = ("groups", "levels", "townships")  # the steps that choose an audience by toggles

NOTICE = FlowSpec(
    name="notice",
    states=("text", "files", "audience", *PICKS, "preview", "done"),
    transitions=(
        ("wrote", "text", "files"),
        ("files_done", "files", "audience"),  # staff choose what kind of audience
        ("own_groups", "files", "groups"),  # a squad leader chooses among their groups
        *((f"by_{pick}", "audience", pick) for pick in PICKS),
        ("everyone", "audience", "preview"),
        *(("chosen", pick, "preview") for pick in PICKS),
        *(("back", pick, "audience") for pick in PICKS),
        ("edit_text", "preview", "text"),
        ("edit_files", "preview", "files"),
        ("edit_audience", "preview", "audience"),
        ("edit_groups", "preview", "groups"),
        ("review", "text", "preview"),
        ("review", "files", "preview"),
        ("urgency", "preview", "preview"),
        ("send", "preview", "done"),
    ),
    initial="text",
    roles=frozenset({Role.SQUAD_LEADER, Role.STAFF}),
)
