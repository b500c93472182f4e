"""Every flow's committed Mermaid drawing matches its state table; illegal moves are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.router import Router
from bot.flows.adduser import ADD_PERSON
from bot.flows.engine import FlowSpec, IllegalMove, StateMachine, flow_machine
from bot.routes import register_routes

FLOWS_DIR = Path(__file__).resolve().parent.parent / "bot" / "flows"


def _registered_flows() -> dict[str, FlowSpec]:
    router = Router()
    register_routes(router)
    return {name: route.spec for name, route in router.flows.items()}


def _title(drawing: Path) -> str:
    lines = drawing.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "---", f"{drawing.name} has no front matter"
    end = lines.index("---", 1)
    titles = [line.removeprefix("title:").strip() for line in lines[1:end]
              if line.startswith("title:")]
    assert len(titles) == 1, f"{drawing.name} needs exactly one title"
    return titles[0]


def _lifecycle_machines() -> dict[str, StateMachine]:
    """Domain lifecycles drawn beside the flows (not conversations, so not on the router)."""
    machines = {}
    try:
        from bot.flows.case_lifecycle import case_machine
    except ImportError:
        return machines
    machines["case_lifecycle"] = case_machine()
    return machines


def test_there_are_flows_and_adduser_is_one() -> None:
    assert "adduser" in _registered_flows()


@pytest.mark.parametrize("name", sorted(_registered_flows()))
def test_committed_drawing_matches_the_flow(app, name: str) -> None:
    spec = app.router.flows[name].spec
    drawing = FLOWS_DIR / f"{name}.mmd"
    assert drawing.exists(), f"bot/flows/{name}.mmd is missing"
    expected = flow_machine(spec).mermaid(_title(drawing))
    assert drawing.read_text(encoding="utf-8") == expected


@pytest.mark.parametrize("name", sorted(_lifecycle_machines()))
def test_committed_drawing_matches_the_lifecycle(name: str) -> None:
    drawing = FLOWS_DIR / f"{name}.mmd"
    expected = _lifecycle_machines()[name].mermaid(_title(drawing))
    assert drawing.read_text(encoding="utf-8") == expected


def test_every_drawing_belongs_to_a_flow_or_lifecycle() -> None:
    drawn = {path.stem for path in FLOWS_DIR.glob("*.mmd")}
    assert drawn == set(_registered_flows()) | set(_lifecycle_machines())


@pytest.mark.parametrize("name", sorted(_registered_flows()))
def test_every_state_is_declared_and_reachable(name: str) -> None:
    spec = _registered_flows()[name]
    states = set(spec.states)
    assert spec.initial in states
    for trigger, source, dest in spec.transitions:
        assert source in states | {"*"}, (trigger, source)
        assert dest in states, (trigger, dest)
    reached, frontier = {spec.initial}, [spec.initial]
    while frontier:
        here = frontier.pop()
        for _, source, dest in spec.transitions:
            if source in (here, "*") and dest not in reached:
                reached.add(dest)
                frontier.append(dest)
    assert reached == states


def test_legal_moves_follow_the_table() -> None:
    machine = flow_machine(ADD_PERSON)
    assert machine.move("name", "named") == "phone"
    assert machine.move("confirm", "restart") == "name"
    assert machine.move("confirm", "submit") == "done"
    assert machine.allowed("confirm") == ["restart", "submit"]


@pytest.mark.parametrize(("state", "trigger"), [
    ("name", "submit"),        # a real trigger from the wrong state
    ("phone", "named"),        # a trigger that already fired
    ("done", "restart"),       # nothing leaves the end
    ("name", "no_such_trigger"),
    ("no_such_state", "named"),
])
def test_illegal_move_is_refused(state: str, trigger: str) -> None:
    machine = flow_machine(ADD_PERSON)
    assert not machine.can(state, trigger)
    with pytest.raises(IllegalMove):
        machine.move(state, trigger)


def test_a_refused_move_leaves_the_shared_machine_usable() -> None:
    machine = flow_machine(ADD_PERSON)
    with pytest.raises(IllegalMove):
        machine.move("name", "submit")
    assert machine.move("group", "grouped") == "role"
    assert machine.move("name", "named") == "phone"
