"""State table of a problem case, from submission to close-out (销号)."""

from bot.flows.engine import StateMachine
from storage.case_models import CaseStatus as S

CASE_TRANSITIONS = (
    ("accept", S.SUBMITTED, S.ACCEPTED),
    ("reject", S.SUBMITTED, S.REJECTED),
    ("merge", S.SUBMITTED, S.MERGED),
    ("merge", S.ACCEPTED, S.MERGED),
    ("assign", S.ACCEPTED, S.ASSIGNED),
    ("reassign", S.ASSIGNED, S.ASSIGNED),
    ("reassign", S.ACKNOWLEDGED, S.ASSIGNED),
    ("reassign", S.IN_PROGRESS, S.ASSIGNED),
    ("acknowledge", S.ASSIGNED, S.ACKNOWLEDGED),
    ("progress", S.ACKNOWLEDGED, S.IN_PROGRESS),
    ("progress", S.IN_PROGRESS, S.IN_PROGRESS),
    ("rectify", S.ACKNOWLEDGED, S.RECTIFIED),
    ("rectify", S.IN_PROGRESS, S.RECTIFIED),
    ("confirm", S.RECTIFIED, S.CLOSED),
    ("reopen", S.RECTIFIED, S.IN_PROGRESS),
)


def case_machine() -> StateMachine:
    """The shared machine that checks and performs case moves."""
    transitions = tuple((t, s.value, d.value) for t, s, d in CASE_TRANSITIONS)
    return StateMachine([s.value for s in S], transitions, S.SUBMITTED.value)
