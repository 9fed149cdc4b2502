"""Which ticket state changes are allowed: one explicit table.

    open ──claim──▶ claimed ──wait──▶ waiting ──resume (customer writes)──▶ claimed
      │               │                  │
      └──escalate─────┴──────────────────┴──▶ escalated (level 2, unclaimed) ──claim──▶ claimed
    any state but closed ──close──▶ closed (final; the customer may rate it once, 1..5)

Escalation only happens from level 1. The storage layer applies each change as
one conditional UPDATE, so the table is enforced even under concurrency.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

from storage.models import Ticket, TicketStatus

Action = Literal["claim", "escalate", "wait", "resume", "close"]

TRANSITIONS: Final[Mapping[Action, tuple[frozenset[TicketStatus], TicketStatus]]] = (
    MappingProxyType(
        {
            # action:    (from these states,                             to this state)
            "claim": (frozenset({"open", "escalated"}), "claimed"),
            "escalate": (frozenset({"open", "claimed", "waiting"}), "escalated"),
            "wait": (frozenset({"claimed"}), "waiting"),
            "resume": (frozenset({"waiting"}), "claimed"),
            "close": (frozenset({"open", "claimed", "escalated", "waiting"}), "closed"),
        }
    )
)
FINAL: Final[frozenset[TicketStatus]] = frozenset({"closed"})
MAX_LEVEL: Final = 2
# "resume" happens when the customer writes; agents never trigger it.
AGENT_ACTIONS: Final[tuple[Action, ...]] = ("claim", "escalate", "wait", "close")


def sources(action: Action) -> frozenset[TicketStatus]:
    """Return the states `action` may start from."""
    return TRANSITIONS[action][0]


def target(action: Action) -> TicketStatus:
    """Return the state `action` leads to."""
    return TRANSITIONS[action][1]


def can(action: Action, status: TicketStatus) -> bool:
    """Tell whether `action` is allowed from `status` (ignoring level and holder)."""
    return status in sources(action)


def allowed_actions(ticket: Ticket) -> tuple[Action, ...]:
    """Return what agents may do with this ticket now (what buttons to show)."""
    actions: list[Action] = []
    for action in AGENT_ACTIONS:
        if not can(action, ticket.status):
            continue
        if action == "claim" and ticket.claimed_by is not None:
            continue
        if action == "escalate" and ticket.level >= MAX_LEVEL:
            continue
        actions.append(action)
    return tuple(actions)


def can_act(ticket: Ticket, agent_id: int) -> bool:
    """Tell whether an agent may work on the ticket: it is unclaimed or theirs."""
    return ticket.claimed_by is None or ticket.claimed_by == agent_id


def can_rate(ticket: Ticket) -> bool:
    """Tell whether the customer may still rate: closed and not yet rated."""
    return ticket.status in FINAL and ticket.rating is None
