"""The ticket card agents see at the top of each topic (Telegram HTML, Persian).

Telegram counts 4096 characters after parsing the HTML; the bounds below keep a
card far below that whatever the customer typed (tested with the worst case).
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any, Final

from handoff import texts
from handoff.persian import clean_block, clean_inline, duration, fa_digits, jalali, percent, shorten
from handoff.topics import ticket_number
from storage.models import Customer, Ticket

QUESTION_MAX: Final = 1500
TITLE_MAX: Final = 80
NAME_MAX: Final = 64
COMMENT_MAX: Final = 500
TRIED_MAX: Final = 5


def _e(text: str) -> str:
    """Escape text for Telegram HTML."""
    return html.escape(text, quote=True)


def _customer_line(customer: Customer) -> str:
    name = shorten(clean_inline(customer.full_name), NAME_MAX) or texts.UNKNOWN_CUSTOMER
    link = f'<a href="tg://user?id={int(customer.id)}">{_e(name)}</a>'
    username = f"@{_e(customer.username)}" if customer.username else texts.NO_USERNAME
    return texts.CARD_CUSTOMER.format(name=link, username=username, id=fa_digits(customer.id))


def _status_line(ticket: Ticket) -> str:
    template = texts.STATUS.get(ticket.status, ticket.status)
    agent = shorten(clean_inline(ticket.claimed_by_name), NAME_MAX) or texts.UNKNOWN_AGENT
    status = template.format(agent=_e(agent)) if "{agent}" in template else template
    return texts.CARD_STATUS.format(status=status)


def _due_line(ticket: Ticket, now: datetime) -> str:
    due = ticket.first_response_due
    answered = ticket.first_response_at
    if answered is not None:
        if due is not None and answered > due:
            return texts.CARD_DUE_LATE.format(when=jalali(answered), late=duration(answered - due))
        return texts.CARD_DUE_MET.format(when=jalali(answered))
    if due is None:
        return texts.CARD_DUE_NONE
    relative = (
        texts.DUE_IN.format(duration=duration(due - now))
        if due > now
        else texts.DUE_OVERDUE.format(duration=duration(now - due))
    )
    return texts.CARD_DUE_PENDING.format(when=jalali(due), relative=relative)


def _tried_lines(tried: list[dict[str, Any]]) -> list[str]:
    if not tried:
        return [texts.CARD_TRIED_NONE]
    lines = [texts.CARD_TRIED]
    for item in tried[:TRIED_MAX]:
        title = shorten(clean_inline(str(item.get("title") or item.get("id") or "")), TITLE_MAX)
        score = item.get("score")
        shown = percent(float(score)) if isinstance(score, int | float) else "?"
        lines.append(texts.CARD_TRIED_ITEM.format(title=_e(title), score=shown))
    return lines


def render_card(ticket: Ticket, customer: Customer, *, now: datetime) -> str:
    """Render the ticket card as Telegram HTML; every customer-provided string is escaped."""
    lines = [
        texts.CARD_TITLE.format(
            number=ticket_number(ticket.id), level=texts.LEVEL.get(ticket.level, "")
        ),
        _status_line(ticket),
        _customer_line(customer),
        texts.CARD_TIER.format(
            tier=texts.TIER.get(customer.tier, customer.tier),
            priority=texts.PRIORITY.get(ticket.priority, ticket.priority),
        ),
        texts.CARD_OPENED.format(when=jalali(ticket.opened_at)),
        _due_line(ticket, now),
    ]
    if ticket.status not in ("closed", "waiting") and ticket.awaiting_reply_since is not None:
        lines.append(
            texts.CARD_WAITING.format(duration=duration(now - ticket.awaiting_reply_since))
        )
    if ticket.closed_at is not None and ticket.status == "closed":
        lines.append(texts.CARD_CLOSED_AT.format(when=jalali(ticket.closed_at)))
    if ticket.rating is not None:
        stars = "★" * ticket.rating + "☆" * (5 - ticket.rating)
        lines.append(texts.CARD_RATING.format(stars=stars, rating=fa_digits(ticket.rating)))
        comment = shorten(clean_inline(ticket.rating_comment), COMMENT_MAX)
        if comment:
            lines.append(texts.CARD_RATING_COMMENT.format(comment=_e(comment)))
    if ticket.customer_blocked:
        lines.append(texts.CARD_BLOCKED)
    lines.append(texts.CARD_REASON.format(reason=texts.REASON.get(ticket.reason, ticket.reason)))
    if ticket.previous_ticket_id is not None:
        lines.append(texts.CARD_PREVIOUS.format(number=ticket_number(ticket.previous_ticket_id)))
    lines.append("")
    lines.extend(_tried_lines(list(ticket.tried or [])))
    lines.append("")
    question = shorten(clean_block(ticket.question), QUESTION_MAX) or texts.EMPTY_QUESTION
    lines.append(texts.CARD_QUESTION)
    lines.append(f"<blockquote>{_e(question)}</blockquote>")
    return "\n".join(lines)
