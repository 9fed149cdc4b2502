"""Second line's first reply, for tickets escalated before 0010, is the first one delivered.

Revision 0010 took an escalated ticket's latest agent reply (tickets.last_agent_at) as
second line's first: set when a reply is decided, so a reply that never reached the
customer counted (no wait shown, no deadline alert, a ticket counted answered in the
report), and of several the latest (the report's L2 median too high). A reply that reached
the customer has a link to its copy there, an article sent an event: the first of either
after the escalation is the reply, and a ticket with none is still waiting for second line, as the card and /tickets
then say (an escalation sets awaiting_reply_since since 0010's code; these had none). Only
tickets 0010 filled in are read again: those with no "l2_response" event of the bot's own.

The plans a running bot stores gained a kind of step with this code (a note's screenshot
copied into a history); a revision of its own lets an older release refuse this database
with its clear message instead of leaving such steps unread.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 15:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FILLED_IN_BY_0010 = (
    "tickets.escalated_at IS NOT NULL AND tickets.l2_response_at IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM ticket_events e"
    " WHERE e.ticket_id = tickets.id AND e.kind = 'l2_response')"
)
_FIRST_COPY = (
    "(SELECT MIN(l.created_at) FROM message_links l WHERE l.ticket_id = tickets.id"
    " AND l.direction = 'to_customer' AND l.created_at > tickets.escalated_at)"
)
# A KB article sent with /article (or the card's button) answers too, and has no link.
_FIRST_ARTICLE = (
    "(SELECT MIN(e.created_at) FROM ticket_events e WHERE e.ticket_id = tickets.id"
    " AND e.kind = 'article_sent' AND e.created_at > tickets.escalated_at)"
)
# The earlier of the two (either may be none): LEAST and MIN(a, b) treat NULL apart.
_FIRST_REPLY = (
    f"CASE WHEN {_FIRST_ARTICLE} IS NULL THEN {_FIRST_COPY}"
    f" WHEN {_FIRST_COPY} IS NULL OR {_FIRST_ARTICLE} < {_FIRST_COPY} THEN {_FIRST_ARTICLE}"
    f" ELSE {_FIRST_COPY} END"
)


def upgrade() -> None:
    """Apply this revision."""
    op.execute(f"UPDATE tickets SET l2_response_at = {_FIRST_REPLY} WHERE {_FILLED_IN_BY_0010}")
    op.execute(
        "UPDATE tickets SET awaiting_reply_since = escalated_at"
        " WHERE status NOT IN ('closed', 'waiting') AND escalated_at IS NOT NULL"
        " AND l2_response_at IS NULL AND awaiting_reply_since IS NULL"
    )


def downgrade() -> None:
    """Revert this revision: nothing to undo (the replies read again are the right ones)."""
