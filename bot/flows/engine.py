"""Drives a flow's state table with a shared `transitions` machine; renders it as Mermaid."""

from __future__ import annotations

from dataclasses import dataclass, field

from transitions import Machine, MachineError

from storage.models import Role


class IllegalMove(Exception):
    """The trigger is not allowed from the current state."""


@dataclass(frozen=True)
class FlowSpec:
    """A flow declared as data: states, transitions (trigger, source, dest), who may run it."""

    name: str
    states: tuple[str, ...]
    transitions: tuple[tuple[str, str, str], ...]
    initial: str
    roles: frozenset[Role] = field(default_factory=frozenset)


class _Token:
    """The model attached to the machine for one move."""

    def __init__(self) -> None:
        self.state = ""


class StateMachine:
    """One shared machine per table; a model is attached for a move and detached after."""

    def __init__(self, states, transitions, initial: str) -> None:
        self.states = tuple(states)
        self._machine = Machine(
            model=None, states=list(states), initial=initial, auto_transitions=False,
            transitions=[{"trigger": t, "source": s, "dest": d} for t, s, d in transitions],
        )
        self.transitions = tuple(transitions)

    def allowed(self, state: str) -> list[str]:
        """Triggers that may fire from `state`."""
        state = _plain(state)
        return [t for t, s, _ in self.transitions if s in (state, "*")]

    def can(self, state: str, trigger: str) -> bool:
        """True when `trigger` may fire from `state`."""
        return trigger in self.allowed(state)

    def move(self, state: str, trigger: str) -> str:
        """The state reached from `state` by `trigger`; IllegalMove if not allowed."""
        state = _plain(state)
        if not self.can(state, trigger):
            raise IllegalMove(f"{trigger} from {state}")
        token = _Token()
        self._machine.add_model(token, initial=state)
        try:
            token.trigger(trigger)
        except MachineError as exc:
            raise IllegalMove(str(exc)) from exc
        finally:
            self._machine.remove_model(token)
        return token.state

    def mermaid(self, title: str) -> str:
        """A Mermaid state diagram of the table."""
        lines = ["---", f"title: {title}", "---", "stateDiagram-v2"]
        lines.append(f"    [*] --> {self._machine.initial}")
        lines += [f"    {s} --> {d}: {t}" for t, s, d in self.transitions if s != "*"]
        sources = {s for _, s, _ in self.transitions}
        lines += [f"    {state} --> [*]" for state in self.states if state not in sources]
        return "\n".join(lines) + "\n"


def _plain(state) -> str:
    """A state as its plain string (an enum member becomes its value, not its name)."""
    return str(getattr(state, "value", state))


def flow_machine(spec: FlowSpec) -> StateMachine:
    """The machine for a flow spec."""
    return StateMachine(spec.states, spec.transitions, spec.initial)


def flow_payload(flow: str, state: str, value: str) -> str:
    """A button payload that belongs to one state of one flow."""
    return f"f:{flow}:{state}:{value}"


def button_value(event) -> str | None:
    """The value of a flow button the event pressed, or None for anything else."""
    if event.payload is None or event.kind != "button":
        return None
    parts = parse_flow_payload(event.payload)
    return parts[2] if parts else None


def typed_text(event) -> str | None:
    """The stripped text of a plain text event, or None for anything else."""
    return event.text.strip() if event.kind == "text" else None


def parse_flow_payload(payload: str) -> tuple[str, str, str] | None:
    """(flow, state, value) from a flow payload, or None when it is not one."""
    parts = payload.split(":", 3)
    if len(parts) != 4 or parts[0] != "f":
        return None
    return parts[1], parts[2], parts[3]
