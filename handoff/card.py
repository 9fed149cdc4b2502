"""The ticket card agents see at the top of each topic (Telegram HTML, Persian).

Telegram counts 4096 characters (UTF-16 code units) after parsing the HTML; the bounds below
keep each line short whatever the customer typed, and the question, last, gets at most the room
the rest leaves (tested with the worst case).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from handoff import texts
from handoff.hours import SupportCalendar
from handoff.persian import (
    clean_block,
    clean_inline,
    duration,
    fa_digits,
    jalali,
    percent,
    shorten,
    utf16_len,
)
from handoff.sla import current_deadline, read_tier, time_left
from handoff.topics import ticket_link, ticket_number
from storage.models import Customer, Ticket, Tier
from storage.repositories import CustomerHistory

QUESTION_MAX: Final = 1500
TITLE_MAX: Final = 80
NAME_MAX: Final = 64
COMMENT_MAX: Final = 500
TRIED_MAX: Final = 5
PREVIOUS_QUESTION_MAX: Final = 60
ASKED_QUESTION_MAX: Final = 80
ASKED_BEFORE_MAX: Final = 3
ESCALATION_REASON_MAX: Final = 300  # so the card holds it beside everything else at its longest
CARD_LIMIT: Final = 4096
_TAG: Final = re.compile(r"<[^>]+>")


def _e(text: str) -> str:
    """Escape text for Telegram HTML."""
    return html.escape(text, quote=True)


def _customer_line(customer: Customer) -> str:
    name = shorten(clean_inline(customer.full_name), NAME_MAX) or texts.UNKNOWN_CUSTOMER
    link = f'<a href="tg://user?id={int(customer.id)}">{_e(name)}</a>'
    # A left-to-right mark before «@»: in a Persian line the sign would otherwise be shown
    # after the name («ali_r@»).
    username = f"\u200e@{_e(customer.username)}" if customer.username else texts.NO_USERNAME
    # A right-to-left mark after the name: else a Latin name and the @username after it
    # read as one left-to-right run, shown in the wrong order.
    return texts.CARD_CUSTOMER.format(
        name=f"{link}\u200f", username=username, id=fa_digits(customer.id)
    )


def _status(ticket: Ticket) -> str:
    template = texts.STATUS.get(ticket.status, ticket.status)
    agent = shorten(clean_inline(ticket.claimed_by_name), NAME_MAX) or texts.UNKNOWN_AGENT
    return template.format(agent=_e(agent)) if "{agent}" in template else template


def _status_line(ticket: Ticket) -> str:
    return texts.CARD_STATUS.format(status=_status(ticket))


def _previous_line(ticket: Ticket, history: CustomerHistory | None) -> str | None:
    """The customer's ticket before this one, linked to its topic, with what it was about and
    how it ended, so an agent sees a returning customer's story without searching."""
    if ticket.previous_ticket_id is None:
        return None
    previous = history.previous if history is not None else None
    if history is None or previous is None:
        return texts.CARD_PREVIOUS.format(ticket=ticket_number(ticket.previous_ticket_id))
    number = ticket_link(previous.id, previous.agent_chat_id, previous.thread_id)
    asked = shorten(clean_inline(previous.question), PREVIOUS_QUESTION_MAX)
    parts = [
        f"{number} «{_e(asked)}»" if asked else number,
        jalali(previous.opened_at),
        _status(previous),
    ]
    if previous.rating is not None:
        parts.append(texts.PREVIOUS_RATING.format(rating=fa_digits(previous.rating)))
    if history.count > 1:
        parts.append(texts.PREVIOUS_TOTAL.format(count=fa_digits(history.count)))
    return texts.CARD_PREVIOUS.format(ticket=" · ".join(parts))


@dataclass(frozen=True, slots=True)
class AskedBefore:
    """A question the customer asked the bot shortly before the hand-off, other than the
    ticket's own, and what came of it."""

    question: str
    kind: str  # the KB's decision: answer | suggest | handoff
    article: str | None = None  # the title of the article sent (an answer, or a guide picked)
    helpful: bool | None = None  # their "was this helpful?" answer, if given


@dataclass(frozen=True, slots=True)
class Escalation:
    """Who sent the ticket to second line, when, and why in their words ("": not said)."""

    agent: str
    at: datetime
    reason: str = ""


def _escalation_lines(escalation: Escalation) -> list[str]:
    """Who escalated the ticket and when, and their reason quoted (an expert need not ask)."""
    agent = shorten(clean_inline(escalation.agent), NAME_MAX) or texts.UNKNOWN_AGENT
    lines = [texts.CARD_ESCALATED.format(agent=f"{_e(agent)}\u200f", when=jalali(escalation.at))]
    reason = shorten(clean_block(escalation.reason), ESCALATION_REASON_MAX)
    if reason:
        lines.append(f"<blockquote>{_e(reason)}</blockquote>")
    return lines


def _asked_before_lines(asked: Sequence[AskedBefore]) -> list[str]:
    """What the customer already read or was offered, so the agent neither asks again nor
    sends the same guide."""
    lines = [texts.CARD_ASKED_BEFORE]
    for item in asked[-ASKED_BEFORE_MAX:]:
        question = _e(shorten(clean_inline(item.question), ASKED_QUESTION_MAX))
        if item.article:
            feedback = ""
            if item.helpful is not None:
                feedback = texts.ASKED_HELPFUL if item.helpful else texts.ASKED_NOT_HELPFUL
            article = _e(shorten(clean_inline(item.article), TITLE_MAX))
            line = texts.ASKED_ANSWERED.format(
                question=question, article=article, feedback=feedback
            )
        elif item.kind == "suggest":
            line = texts.ASKED_SUGGESTED.format(question=question)
        else:
            line = texts.ASKED_UNANSWERED.format(question=question)
        lines.append(line)
    return lines


@dataclass(frozen=True, slots=True)
class _DueTexts:
    pending: str
    met: str
    late: str
    closed: str
    closed_missed: str  # closed unanswered after the deadline passed


# The deadline line of each response clock: an escalated ticket shows second line's once
# it had its first response (handoff.sla.current_deadline).
_DUE_TEXTS: Final[dict[str, _DueTexts]] = {
    "first": _DueTexts(
        texts.CARD_DUE_PENDING,
        texts.CARD_DUE_MET,
        texts.CARD_DUE_LATE,
        texts.CARD_DUE_CLOSED,
        texts.CARD_DUE_CLOSED_MISSED,
    ),
    "l2": _DueTexts(
        texts.CARD_L2_DUE_PENDING,
        texts.CARD_L2_DUE_MET,
        texts.CARD_L2_DUE_LATE,
        texts.CARD_L2_DUE_CLOSED,
        texts.CARD_L2_DUE_CLOSED_MISSED,
    ),
}


def due_line(ticket: Ticket, now: datetime, tier: Tier, calendar: SupportCalendar | None) -> str:
    """The card's line on the response the ticket answers to: when it is due and how long is
    left (or how far past), or when it was made and whether in time."""
    deadline = current_deadline(ticket)
    said = _DUE_TEXTS[deadline.clock]
    due, answered = deadline.due, deadline.met_at
    if answered is not None:
        if due is not None and answered > due:
            late = past_due(tier, due, answered, calendar, texts.LATE, texts.LATE_OPEN)
            return said.late.format(when=jalali(answered), late=late)
        return said.met.format(when=jalali(answered))
    if due is None:
        return texts.CARD_DUE_NONE
    if ticket.status == "closed":  # no clock runs any more: "so long left" would mislead
        # Closed after its deadline passed: a miss, as the alert and the report count it.
        missed = due < (ticket.closed_at or now)
        return (said.closed_missed if missed else said.closed).format(when=jalali(due))
    if due <= now:
        relative = past_due(tier, due, now, calendar, texts.DUE_OVERDUE, texts.DUE_OVERDUE_OPEN)
    elif (left := time_left(tier, now, due, calendar)) < due - now:
        # The desk closes before it: what is left to answer is its open hours, as the
        # warning in the topic counts them («16 hours left» at 16:00 read as tomorrow).
        relative = texts.DUE_IN_OPEN.format(duration=duration(left, open_hours=True))
    else:
        relative = texts.DUE_IN.format(duration=duration(due - now))
    return said.pending.format(when=jalali(due), relative=relative)


def past_due(
    tier: Tier,
    due: datetime,
    until: datetime,
    calendar: SupportCalendar | None,
    said: str,
    said_open: str,
) -> str:
    """How far past `due` `until` is, counted as the deadline was: in the desk's open hours
    (`said_open`) when they are fewer than the clock's (a reply on Saturday 08:05 to a ticket
    due Thursday 12:00 is 1 hour 5 minutes late, not 1 day 20 hours)."""
    clock = until - due
    if calendar is not None and (hours := calendar.open_time(tier, due, until)) < clock:
        return said_open.format(duration=duration(hours, open_hours=True))
    return said.format(duration=duration(clock))


def _tried_lines(tried: list[dict[str, Any]]) -> list[str]:
    if not tried:
        return [texts.CARD_TRIED_NONE]
    lines = [texts.CARD_TRIED]
    for item in tried[:TRIED_MAX]:
        title = shorten(clean_inline(str(item.get("title") or item.get("id") or "")), TITLE_MAX)
        score = item.get("score")
        shown = percent(float(score)) if isinstance(score, int | float) else "?"
        line = texts.CARD_TRIED_ITEM.format(title=_e(title), score=shown)
        # The one sent and refused: not to be sent again as if it were new.
        lines.append(line + texts.CARD_TRIED_REJECTED if item.get("rejected") else line)
    return lines


def render_card(
    ticket: Ticket,
    customer: Customer,
    *,
    now: datetime,
    history: CustomerHistory | None = None,
    asked_before: Sequence[AskedBefore] = (),
    escalation: Escalation | None = None,
    deactivated: bool = False,
    calendar: SupportCalendar | None = None,
) -> str:
    """Render the ticket card as Telegram HTML; every customer-provided string is escaped.

    `history` (the customer's earlier tickets) tells more of the one before this;
    `asked_before` lists what else they asked the bot just before (the latest few);
    `escalation`: who sent it to second line, when and why (an L2 card);
    `deactivated`: what keeps messages from the customer is a deleted account, not a block;
    `calendar`: the desk's open hours, which the time left to answer is counted in.
    """
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
        due_line(ticket, now, read_tier(customer.tier) or "standard", calendar),
    ]
    if (
        ticket.status not in ("closed", "waiting")
        and ticket.awaiting_reply_since is not None
        and not ticket.customer_blocked  # no reply can reach them: no one is kept waiting
    ):
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
        lines.append(texts.CARD_DEACTIVATED if deactivated else texts.CARD_BLOCKED)
    lines.append(texts.CARD_REASON.format(reason=texts.REASON.get(ticket.reason, ticket.reason)))
    if escalation is not None:
        lines.extend(_escalation_lines(escalation))
    previous = _previous_line(ticket, history)
    if previous is not None:
        lines.append(previous)
    lines.append("")
    lines.extend(_tried_lines(list(ticket.tried or [])))
    if asked_before:
        lines.append("")
        lines.extend(_asked_before_lines(asked_before))
    lines.append("")
    lines.append(texts.CARD_QUESTION)
    room = CARD_LIMIT - _shown_length("\n".join(lines)) - 1  # the line break before it
    question = _fit(clean_block(ticket.question), room) or texts.EMPTY_QUESTION
    lines.append(f"<blockquote>{_e(question)}</blockquote>")
    return "\n".join(lines)


def _shown_length(card_html: str) -> int:
    """The length Telegram counts of our own HTML: tags dropped, entities read."""
    return utf16_len(html.unescape(_TAG.sub("", card_html)))


def shows_whole(question: str) -> bool:
    """Whether a card shows the customer's question whole (else it is cut, with «…»)."""
    return utf16_len(clean_block(question)) <= QUESTION_MAX


def _fit(question: str, room: int) -> str:
    """The question cut to QUESTION_MAX characters, and further if `room` is smaller."""
    limit = QUESTION_MAX
    fitted = shorten(question, limit)
    while utf16_len(fitted) > room and limit > 0:
        limit = min(limit - 1, limit * room // utf16_len(fitted))
        fitted = shorten(question, limit)
    return fitted
