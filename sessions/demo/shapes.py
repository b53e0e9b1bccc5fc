"""The plain structures the demo is written in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Account:
    username: str
    name: str


@dataclass(frozen=True)
class PanelMember:
    name: str
    party: str
    role: str
    # The account the politician writes from; empty when they do not write in the demo.
    username: str = ""


@dataclass(frozen=True)
class Reply:
    minute: float  # after the session starts; politicians may answer after it ends
    by: str  # username
    body: str
    # A panel politician's answer: a reply that also marks the question answered.
    answers: bool = False
    # A moderator hides it a little later, with this reason (a ModerationReason value).
    hidden_because: str = ""


@dataclass(frozen=True)
class Thread:
    minute: float  # after the session starts
    by: str  # username
    body: str
    voters: tuple[str, ...] = ()
    replies: tuple[Reply, ...] = ()
    hidden_because: str = ""


@dataclass(frozen=True)
class Topic:
    """One subject of a meeting, in sentences that the evening is built from.

    The four tuples run side by side: question j opens a thread, the chair answers it with
    answer j, the first citizen to join in says citizen point j and the first other politician
    remark j, each behind an opener of their own.
    """

    chair: str  # username of the politician who answers first
    questions: tuple[str, ...]
    answers: tuple[str, ...]
    citizen_points: tuple[str, ...]
    remarks: tuple[str, ...]
