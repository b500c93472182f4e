"""State table of the delegate's problem report: area → text → photos → place → preview → submit."""

from bot.flows.engine import FlowSpec
from storage.models import Role

FIELDS = ("area", "description", "photos", "location", "township")

REPORT = FlowSpec(
    name="report",
    states=(*FIELDS, "preview", "duplicates", "done"),
    transitions=(
        ("chose_area", "area", "description"),
        ("described", "description", "photos"),
        ("photos_done", "photos", "location"),
        ("located", "location", "township"),
        ("placed", "township", "preview"),
        *((f"edit_{field}", "preview", field) for field in FIELDS),
        *(("review", field, "preview") for field in FIELDS),
        ("check", "preview", "duplicates"),
        ("back", "duplicates", "preview"),
        ("submit", "preview", "done"),
        ("submit", "duplicates", "done"),
    ),
    initial="area",
    roles=frozenset({Role.DELEGATE}),
)
