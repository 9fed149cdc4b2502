"""The card's buttons for a ticket's current state (what agents may do now)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot import keyboards
from handoff.lifecycle import allowed_actions
from storage.models import Ticket


def tried_titles(ticket: Ticket) -> list[str | None]:
    """Return the titles of the articles the bot tried, in the card's order; None for the one
    sent and refused (👎), which gets no «send» button (one press sent it again)."""
    return [
        None if item.get("rejected") else str(item.get("title") or item.get("id") or "")
        for item in (ticket.tried or [])
    ][:5]


def card_markup(ticket: Ticket) -> InlineKeyboardMarkup | None:
    """Return the buttons under the ticket's card; a closed ticket has none (None)."""
    if ticket.status == "closed":
        return None  # an edit without a keyboard removes it
    actions = [a for a in allowed_actions(ticket) if a in ("claim", "wait", "escalate", "close")]
    return keyboards.ticket_card(ticket.id, actions, tried_titles(ticket))
