"""Opening a ticket for a customer: the database row, the topic and card, and telling them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message as TelegramMessage
from telegram.constants import MessageEntityType

from bot import hotpath, texts
from bot.context import Services, Work
from bot.effects import OpenTopic, PostCard
from bot.formatting import bound
from bot.hotpath import log_message
from bot.message_kinds import QUESTION_MAX
from bot.migration import current_agent_chat
from handoff.card import AskedBefore, shows_whole
from handoff.hours import SupportCalendar
from handoff.sla import (
    FIRST_RESPONSE,
    L2_RESPONSE,
    current_deadline,
    first_response_due,
    read_tier,
)
from kb.decision import Hit
from storage.models import Feedback, HandoffReason, KBDecision, Message, Ticket, Tier
from storage.repositories import (
    add_ticket_event,
    create_ticket,
    decisions_since,
    feedback_for,
    get_customer,
    last_ticket_for,
)
from storage.timestamps import utcnow
from triage import asks_for_person, priority
from triage.person import beyond_request
from triage.smalltalk import small_talk

# Longest question stored on a ticket.
TICKET_QUESTION_MAX = 2000
# A request for a person this short ("اپراتور") carries no question of its own.
BARE_REQUEST_WORDS = 8  # «مرسی ولی با یه آدم صحبت کنم»: seven


def hits_of(decision: KBDecision, services: Services) -> list[Hit]:
    """Rebuild a stored decision's hits with the articles' current titles."""
    hits: list[Hit] = []
    for row in decision.hits or []:
        article = services.kb.get(str(row.get("id", "")))
        title = article.title if article is not None else str(row.get("id", ""))
        hits.append(Hit(str(row.get("id", "")), title, float(row.get("score", 0.0))))
    return hits


def stored_hits(hits: tuple[Hit, ...], offered: int) -> list[dict[str, object]]:
    """The hits as a decision row keeps them; the first `offered` were the choices shown."""
    return [
        {"id": hit.article_id, "score": round(hit.score, 4)}
        | ({"offered": True} if i < offered else {})
        for i, hit in enumerate(hits)
    ]


def memory_start(services: Services, now: datetime | None = None) -> datetime:
    """Return how far back the customer's earlier attempts still count."""
    minutes = services.settings.attempts_memory_minutes
    return (now or utcnow()) - timedelta(minutes=minutes)


def fits_on_card(question: str) -> bool:
    """Whether the ticket's card shows the customer's words whole (else they are copied into
    the topic as well). The card's own limit: a ticket stores more than the card shows."""
    return shows_whole(question.strip())


def copied_to_topic(message: TelegramMessage, words: str) -> bool:
    """Whether the agents need the message itself in the topic, not only its words on the
    card: a photo or a file; words longer than the card holds; words forwarded from elsewhere
    (whose they are), or replying to a message elsewhere (what they answer: posted over the
    copy); links behind words (the card shows the words, not where they point)."""
    return (
        message.text is None
        or not fits_on_card(words)
        or message.forward_origin is not None
        or message.external_reply is not None
        or any(entity.type in _HIDDEN for entity in message.entities)
    )


# Entities whose meaning is not in the words they cover.
_HIDDEN = (MessageEntityType.TEXT_LINK, MessageEntityType.TEXT_MENTION)


def asks_nothing(query: str) -> bool:
    """Whether what a customer sent asks the bot nothing: empty, small talk («سلام») or a bare
    request for a person («اپراتور»)."""
    return not query or small_talk(query) is not None or is_bare_request(query)


def is_bare_request(text: str) -> bool:
    """Return True for a short request for a person that asks nothing else («اپراتور», «سلام،
    با یه آدم واقعی حرف بزنم»; not «پرینتر خرابه، اپراتور»: that is the question)."""
    if not asks_for_person(text) or len(text.split()) > BARE_REQUEST_WORDS:
        return False
    rest = beyond_request(text)
    return not rest or small_talk(rest) is not None


@dataclass(frozen=True, slots=True)
class Earlier:
    """What a bare request for a person is about: the question asked before it, the articles
    tried for it, and why it goes to a person (its answer got a 👎: "not_helpful")."""

    question: str
    tried: list[Hit]
    reason: HandoffReason = "asked"
    logged_id: int | None = None  # the interaction log's row of the message that asked it
    rejected: frozenset[str] = frozenset()  # the articles sent for it that did not help (👎)


async def question_context(work: Work, services: Services, text: str | None) -> Earlier | None:
    """Return what a ticket asked for with `text` is about: for a bare request, the last
    question since ATTEMPTS_MEMORY_MINUTES and the customer's last ticket (small talk and bare
    requests skipped; nothing, if none was asked).

    None when `text` is itself the question (the caller has its hits).
    """
    if text and not is_bare_request(text):
        return None
    since = memory_start(services)
    last = await last_ticket_for(work.session, customer_id=work.customer_id)
    if last is not None:  # what came before it was that ticket's story
        since = max(since, last.closed_at or last.opened_at)
    rows = await decisions_since(work.session, since=since, customer_id=work.customer_id)
    for decision, helpful in reversed(rows):
        query = decision.query.strip()
        if asks_nothing(query):
            continue
        if decision.article_id is not None and helpful is True:
            return Earlier("", [])  # answered, by their own word: the request is about more
        disliked = decision.article_id is not None and helpful is False
        reason: HandoffReason = "not_helpful" if disliked else "asked"
        return Earlier(
            query,
            hits_of(decision, services),
            reason,
            decision.message_id,
            await refused_articles(work.session, decision),
        )
    return Earlier("", [])


async def refused_articles(session: AsyncSession, decision: KBDecision) -> frozenset[str]:
    """The articles sent for the decision's question and refused with 👎 (or a typed «نه»):
    its answer, and a guide picked from the others it offered (a decision of its own, read
    from the same message)."""
    refused = (
        select(KBDecision.article_id)
        .join(Feedback, Feedback.decision_id == KBDecision.id)
        .where(Feedback.helpful.is_(False), KBDecision.article_id.is_not(None))
    )
    if decision.message_id is None:
        refused = refused.where(KBDecision.id == decision.id)
    else:
        refused = refused.where(
            KBDecision.customer_id == decision.customer_id,
            KBDecision.message_id == decision.message_id,
        )
    return frozenset(a for a in await session.scalars(refused) if a is not None)


async def matches_logged(work: Work, services: Services, question: str) -> list[Hit]:
    """The articles closest to words that go to a person anyway (a follow-up, the words after
    /human), for the card: it may well be a question an article answers (one button sends
    it). The KB's decision is logged like any other (no article shown), so `kb gaps` counts
    the question."""
    asked = bound(question, QUESTION_MAX)
    if not asked:
        return []
    decision = await services.ask(asked)
    await hotpath.record_decision(
        work.session,
        customer_id=work.customer_id,
        message_id=work.incoming_id,
        query=asked,
        kind=decision.kind,
        confidence=decision.confidence,
        hits=stored_hits(decision.hits, 0),
        article_id=None,
    )
    return list(decision.hits)


async def answer_disliked(work: Work, decision: KBDecision) -> bool:
    """Whether the customer said the decision's answer did not help (👎 or a typed «نه»)."""
    feedback = await feedback_for(work.session, decision.id)
    return feedback is not None and not feedback.helpful


async def open_ticket(
    work: Work,
    services: Services,
    *,
    reason: HandoffReason,
    question: str,
    tried: Sequence[Hit],
    rejected: Collection[str] = (),
    shown: bool = False,
    unwritten: bool = False,
) -> int:
    """Open a ticket (or find the open one), tell the customer its number; return the number.
    `rejected`: the tried articles the customer was sent and said did not help; `shown`: the
    agents get the customer's message itself (a voice, a photo), words or none; `unwritten`:
    the customer wrote nothing, `question` only says what they did (read a guide).

    The database keeps one open ticket per customer and one ticket per opening
    update, so a double press or a replayed update finds the existing ticket.
    """
    customer = work.customer
    if customer is None:
        raise RuntimeError("a ticket needs a customer")
    tier: Tier = customer.tier if customer.tier in ("vip", "vic") else "standard"  # type: ignore[assignment]
    if work.ticket_id is not None:
        await work.reply(texts.ticket_already_open(work.ticket_id))
        return work.ticket_id
    now = utcnow()
    calendar = services.settings.calendar
    due = first_response_due(tier, now, calendar)
    ticket, created = await create_ticket(
        work.session,
        customer_id=customer.id,
        question=bound(question.strip(), TICKET_QUESTION_MAX),
        reason=reason,
        tried=tried,
        agent_chat_id=await current_agent_chat(work.session, services.agent_chat_id),
        priority=priority(tier, question),
        opening_update_id=work.update_id,
        first_response_due=due,
        opened_at=now,
    )
    work.ticket_id = ticket.id
    if not created:
        await work.reply(texts.ticket_already_open(ticket.id))
        return ticket.id
    if rejected:  # the card says so, and offers no button to send them again
        ticket.tried = [
            dict(item, rejected=True) if item.get("id") in rejected else item
            for item in ticket.tried or []
        ]
    await add_ticket_event(
        work.session,
        ticket_id=ticket.id,
        kind="opened",
        actor_id=customer.id,
        data={"reason": reason, "update_id": work.update_id},
        at=now,
    )
    if work.incoming_id is not None:
        await work.session.execute(
            update(Message).where(Message.id == work.incoming_id).values(ticket_id=ticket.id)
        )
    if calendar is None or calendar.around_the_clock(tier):
        told = texts.ticket_opened(ticket.id, due - now)
    else:  # open hours: within the contract's span, or from when the desk opens
        opens = calendar.next_open(tier, now)
        told = (
            texts.ticket_opened_in_hours(ticket.id, FIRST_RESPONSE[tier], due)
            if opens <= now
            else texts.ticket_opened_while_closed(
                ticket.id, opens, due, calendar.why_closed(tier, now)
            )
        )
    if reason == "follow_up" and ticket.previous_ticket_id is not None:
        told = f"{texts.follow_up_of(ticket.previous_ticket_id)}\n{told}"  # not a new story
    elif reason == "no_answer":  # they asked no person: say why one answers
        told = f"{texts.NO_GUIDE_FOUND}\n{told}"
    if (unwritten or not question.strip()) and not shown:  # the agent would ask first
        told = f"{told}\n\n{texts.DESCRIBE_IT}"
    await work.reply(told)
    work.then(OpenTopic(ticket.id))
    work.then(PostCard(ticket.id))
    return ticket.id


def when_answered(
    tier: Tier,
    calendar: SupportCalendar | None,
    now: datetime,
    due: datetime | None,
    span: timedelta | None = None,
) -> str:
    """What a customer is told of when the answer comes, as a new ticket's customer is: by
    `due` (within `span`, the contract's response time, when the clock starts now), in the
    desk's open hours for the tier; while it is closed, when it opens."""
    in_hours = calendar is not None and not calendar.around_the_clock(tier)
    opens = calendar.next_open(tier, now) if calendar is not None and in_hours else now
    if due is None or due <= now:
        return texts.expect_by(due, now, opens)
    if calendar is not None and opens > now:
        return texts.expect_when_open(opens, due, calendar.why_closed(tier, now))
    if span is None:
        return texts.expect_by(due, now)
    return texts.expect_within(span, due if in_hours else None)


async def expected_answer(
    session: AsyncSession, services: Services, ticket: Ticket, now: datetime
) -> str:
    """When the ticket's customer may expect the answer, by the deadline it answers to now:
    second line's, just started by an escalation (the contract's response time), or the first
    response's, still running from the opening."""
    customer = await get_customer(session, ticket.customer_id)
    tier = (read_tier(customer.tier) if customer is not None else None) or "standard"
    deadline = current_deadline(ticket)
    span = L2_RESPONSE[tier] if deadline.clock == "l2" else None
    return when_answered(tier, services.settings.calendar, now, deadline.due, span)


async def asked_before(
    services: Services, session: AsyncSession, ticket: Ticket
) -> list[AskedBefore]:
    """What else the ticket's customer asked the bot in the ATTEMPTS_MEMORY_MINUTES before it
    opened (and since their last ticket closed), oldest first: their questions (not greetings
    or bare requests for a person, not the ticket's own question, each once), with the article
    sent and their feedback on it."""
    since = memory_start(services, ticket.opened_at)
    previous = (
        await session.get(Ticket, ticket.previous_ticket_id) if ticket.previous_ticket_id else None
    )
    if previous is not None and previous.closed_at is not None:
        since = max(since, previous.closed_at)  # what came before was that ticket's story
    rows = await decisions_since(
        session, since=since, until=ticket.opened_at, customer_id=ticket.customer_id
    )
    # Which Telegram message each decision read, and whether it belongs to this ticket.
    read = {
        row.id: row
        for row in await session.execute(
            select(Message.id, Message.telegram_message_id, Message.ticket_id).where(
                Message.id.in_([d.message_id for d, _ in rows if d.message_id is not None])
            )
        )
    }
    # A message edited was read again (logged as a new row): only its latest reading counts.
    latest: dict[object, tuple[KBDecision, bool | None]] = {}
    own: set[int] = set()  # the ticket's own question, whatever words it had then
    for decision, helpful in rows:
        message = read.get(decision.message_id) if decision.message_id is not None else None
        key = message.telegram_message_id if message is not None else ("decision", decision.id)
        latest.pop(key, None)
        latest[key] = (decision, helpful)
        if message is not None and message.ticket_id == ticket.id:
            own.add(decision.id)
    asked: dict[str, AskedBefore] = {}
    for decision, helpful in latest.values():
        query = decision.query.strip()
        if decision.id in own or query == ticket.question:
            continue
        if asks_nothing(query):
            continue
        article = services.kb.get(decision.article_id) if decision.article_id else None
        title = article.title if article is not None else decision.article_id
        asked.pop(query, None)  # asked again: listed where it was asked last
        asked[query] = AskedBefore(query, decision.kind, title, helpful)
    return list(asked.values())


async def log_told(
    session: AsyncSession, ticket: Ticket, html: str, *, update_id: int | None = None
) -> None:
    """Log in the interaction log what the bot tells the ticket's customer (bounded there):
    its notices, and the guides agents send with /article."""
    await log_message(
        session,
        customer_id=ticket.customer_id,
        direction="out",
        kind="text",
        chat_id=ticket.customer_id,
        text=html,
        ticket_id=ticket.id,
        telegram_message_id=None,
        update_id=update_id,
        author="bot",
    )
