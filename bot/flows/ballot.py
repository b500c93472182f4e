"""State table of a ballot being filled in: one item per step, then a summary to submit."""

from bot.flows.engine import FlowSpec

BALLOT = FlowSpec(
    name="ballot",
    states=("start", "voting", "summary", "done"),
    transitions=(
        ("begin", "start", "voting"),
        ("answered", "voting", "voting"),
        ("completed", "voting", "summary"),
        ("change", "summary", "voting"),
        ("submit", "summary", "done"),
    ),
    initial="start",
)
