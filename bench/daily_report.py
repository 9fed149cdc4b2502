"""What the daily report costs on a busy desk's history: a day's figures, its 28 days, its chart.

    python -m bench.daily_report              # SQLite (a temp file): 500 customers a day, 90 days
    python -m bench.daily_report --postgres   # a fresh PostgreSQL database on 127.0.0.1:5432
    python -m bench.daily_report --customers 200 --days 30

A desk's history is planned day by day (a seeded random plan): customers write at the hours
people write (Fridays half as many), greet, ask the sample KB's questions, are answered,
offered guides or handed to a person, press 👍/👎; tickets are opened, given a topic, claimed,
written into, answered on the tier's open hours (some late), a few escalated to second line,
closed and rated, as bot.handlers and handoff.service log them. The plan is written in bulk
(ORM inserts of the rows the repositories would write, handoff.service's rules applied to the
tickets); first, a small plan is written both in bulk and through the real service and
repository calls, and the two databases must hold the same rows and give the same
day_figures, day for day (else it stops). PostgreSQL's tables are analysed after the load,
as autovacuum has long done on a live desk's; SQLite's are not, as the bot never does.

Then, on that history, it times day_figures for one day (each of the last --sample-days days,
p50 and max), the 28 days the daily report reads (bot.supervision._days_before, a transaction a
day, then the reported day, as send_daily_report does; with the event loop's longest pause
meanwhile) and handoff.chart.trend_png on them (the first call imports matplotlib). Deadlines
and waits are counted on the default support calendar (SUPPORT_HOURS=business). It prints
figures and asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from itertools import count
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from bot.supervision import CHART_DAYS, _days_before
from handoff import service
from handoff.chart import trend_png
from handoff.figures import DayFigures, day_figures
from handoff.hours import SupportCalendar
from handoff.persian import TEHRAN
from handoff.report import tehran_day
from handoff.sla import first_response_due, l2_response_due
from kb.decision import Hit
from kb.loader import load_articles
from storage import repositories as repo
from storage.db import create_engine_from_url, make_sessionmaker, migrate
from storage.models import (
    Customer,
    DecisionKind,
    Feedback,
    HandoffReason,
    KBDecision,
    Message,
    MessageKind,
    Ticket,
    TicketEvent,
    Tier,
)
from triage import priority

if TYPE_CHECKING:
    from bot.context import Services

REPO = Path(__file__).resolve().parents[1]
SEED = 1405
# The last day of the history (a Saturday, 14 Azar 1405): the one the report is about.
LAST_DAY = date(2026, 12, 5)
AGENT_CHAT = -1001234567890
FIRST_LINE = list(enumerate(["سارا", "علی", "رضا", "مریم", "حسین", "نگار", "امید", "لیلا"], 501))
SECOND_LINE = list(enumerate(["کاوه", "شیوا", "بابک"], 601))
PG = "postgresql+asyncpg://postgres@127.0.0.1:5432"
# How many people write at each Tehran hour, relatively.
HOURS = [1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 2, 5, 8, 9, 9, 8, 7, 7, 7, 6, 5, 5, 6, 7, 6, 4, 2]
GREETINGS = ["سلام", "سلام وقت بخیر", "درود", "ممنون", "مرسی"]
CHUNK = 5_000


# -- the plan: what happened, in the order it happened ----------------------------------------


@dataclass(slots=True)
class Says:
    """A customer's message or button press, logged as the bot logs it; text into an open
    ticket notes it on the ticket. `template` takes the id of `ref` ("ticket"/"decision")."""

    customer: int
    template: str
    kind: MessageKind = "text"
    ticket: int | None = None
    ref: tuple[str, int] | None = None
    key: int | None = None  # the message, for a decision made on it


@dataclass(slots=True)
class Told:
    """What the customer is sent: the bot's words, or an agent's (noted on the ticket)."""

    customer: int
    template: str
    ticket: int | None = None
    ref: tuple[str, int] | None = None
    agent: tuple[int, str] | None = None


@dataclass(slots=True)
class Decides:
    key: int
    customer: int
    message: int
    query: str
    kind: DecisionKind
    confidence: float
    hits: list[Hit]
    article_id: str | None


@dataclass(slots=True)
class Feels:
    decision: int
    customer: int
    helpful: bool


@dataclass(slots=True)
class Opens:
    """A ticket opened by the customer's message `message` (a Says key)."""

    ticket: int
    customer: int
    message: int
    question: str
    reason: HandoffReason
    tried: list[Hit]


@dataclass(slots=True)
class Topic:
    ticket: int
    thread_id: int


@dataclass(slots=True)
class Acts:
    """An agent claims, escalates or closes a ticket."""

    action: str
    ticket: int
    agent: tuple[int, str]


@dataclass(slots=True)
class Rates:
    ticket: int
    customer: int
    rating: int
    comment: str | None


Step = Says | Told | Decides | Feels | Opens | Topic | Acts | Rates


@dataclass
class Plan:
    """The customers (id: tier) and what happened, as (when, order, step)."""

    tiers: dict[int, Tier] = field(default_factory=dict)
    steps: list[tuple[datetime, int, Step]] = field(default_factory=list)
    _order: count[int] = field(default_factory=count)
    _keys: count[int] = field(default_factory=lambda: count(1))

    def at(self, when: datetime, step: Step) -> None:
        self.steps.append((when, next(self._order), step))

    def key(self) -> int:
        return next(self._keys)


@dataclass(frozen=True)
class Question:
    article_id: str
    title: str
    text: str
    body: str


class Desk:
    """Plans a desk's days: who writes, what they ask, how their tickets go."""

    def __init__(self, rng: random.Random, calendar: SupportCalendar, now: datetime) -> None:
        self.rng = rng
        self.calendar = calendar
        self.now = now
        self.plan = Plan()
        articles = load_articles(REPO / "kb" / "articles").articles
        self.questions = [
            Question(a.id, a.title, q, a.body[:1500]) for a in articles for q in a.questions
        ]
        self.open_until: dict[int, tuple[int, datetime]] = {}  # customer: (ticket, closed at)

    def day(self, day: date, customers: Sequence[int]) -> None:
        for customer in customers:
            when = datetime.combine(day, datetime.min.time(), TEHRAN) + timedelta(
                hours=self.rng.choices(range(24), HOURS)[0], seconds=self.rng.randrange(3600)
            )
            if when > self.now:
                continue
            if customer not in self.plan.tiers:
                tier = self.rng.choices(["standard", "vic", "vip"], [85, 10, 5])[0]
                self.plan.tiers[customer] = cast(Tier, tier)
            ticket, closed = self.open_until.get(customer, (0, when))
            if when < closed:  # their ticket is still open: they write to the agents
                self._into_ticket(customer, ticket, when, closed)
            else:
                self._visit(customer, when)

    def _in(self, when: datetime, step: Step) -> None:
        if when <= self.now:
            self.plan.at(when, step)

    def _visit(self, customer: int, when: datetime) -> None:
        rng = self.rng
        if rng.random() < 0.12:  # a greeting or thanks: the KB is asked nothing
            self._in(when, Says(customer, rng.choice(GREETINGS)))
            self._in(when + timedelta(seconds=1), Told(customer, "سلام! سوالتان را بنویسید."))
            return
        for _ in range(rng.choices([1, 2, 3], [60, 28, 12])[0]):
            when += timedelta(seconds=rng.randrange(20, 600))
            if self._question(customer, when):
                return  # handed to a person: the rest is in the ticket

    def _question(self, customer: int, when: datetime) -> bool:
        """One question and what came of it; True when it ended in a ticket."""
        rng, plan = self.rng, self.plan
        asked = rng.choice(self.questions)
        others = rng.sample(self.questions, 2)
        kind = cast(DecisionKind, rng.choices(["answer", "suggest", "handoff"], [60, 27, 13])[0])
        top = {"answer": 0.85, "suggest": 0.5, "handoff": 0.2}[kind] + rng.uniform(-0.1, 0.1)
        hits = [Hit(asked.article_id, asked.title, round(top, 4))] + [
            Hit(o.article_id, o.title, round(top * 0.6 / (n + 1), 4)) for n, o in enumerate(others)
        ]
        message, decision = plan.key(), plan.key()
        picked = kind == "answer" or (kind == "suggest" and rng.random() < 0.55)
        self._in(when, Says(customer, asked.text, key=message))
        self._in(
            when,
            Decides(
                decision,
                customer,
                message,
                asked.text,
                kind,
                round(top, 4),
                hits,
                asked.article_id if picked else None,
            ),
        )
        later = when + timedelta(seconds=1)
        if kind == "handoff":
            reason: HandoffReason = "asked" if rng.random() < 0.3 else "no_answer"
            self._ticket(customer, when, message, asked.text, reason, hits)
            return True
        if kind == "suggest":
            self._in(later, Told(customer, "شاید یکی از این راهنماها کمک کند:"))
            if not picked:
                return False
            later += timedelta(seconds=rng.randrange(5, 60))
            self._in(later, Says(customer, "s:{}:0", "callback", ref=("decision", decision)))
        self._in(later, Told(customer, f"<b>{asked.title}</b>\n{asked.body}"))
        if rng.random() > 0.4:  # most never say whether it helped
            return False
        later += timedelta(seconds=rng.randrange(10, 300))
        helpful = rng.random() < 0.75
        pressed = "f:{}:1" if helpful else "f:{}:0"
        self._in(later, Says(customer, pressed, "callback", ref=("decision", decision)))
        self._in(later, Feels(decision, customer, helpful))
        if helpful:
            self._in(later, Told(customer, "ممنون از بازخوردتان 🙏"))
            return False
        self._in(later, Told(customer, "متأسفیم. می‌خواهید با کارشناس صحبت کنید؟"))
        if rng.random() < 0.5:  # they press «کارشناس»
            later += timedelta(seconds=rng.randrange(5, 60))
            press = plan.key()
            self._in(
                later, Says(customer, "h:{}", "callback", ref=("decision", decision), key=press)
            )
            self._ticket(customer, later, press, asked.text, "not_helpful", hits)
            return True
        return False

    def _ticket(
        self,
        customer: int,
        opened: datetime,
        message: int,
        question: str,
        reason: HandoffReason,
        hits: list[Hit],
    ) -> None:
        """A ticket's whole life, as far as it got by `now`."""
        rng, plan, tier = self.rng, self.plan, self.plan.tiers[customer]
        ticket = plan.key()
        self._in(opened, Opens(ticket, customer, message, question, reason, hits))
        self._in(
            opened, Told(customer, "درخواست شما با شمارهٔ #{} ثبت شد.", ticket, ("ticket", ticket))
        )
        self._in(opened + timedelta(seconds=2), Topic(ticket, 10_000 + ticket))
        agent = rng.choice(FIRST_LINE)
        # Agents work the tier's open hours: the first reply comes after the desk opens.
        desk_opens = next(self.calendar.open_spans(tier, opened))[0]
        claimed = desk_opens + timedelta(minutes=rng.lognormvariate(2.0, 1.0))
        self._in(claimed, Acts("claim", ticket, agent))
        for _ in range(rng.choices([0, 1, 2], [50, 35, 15])[0]):
            self._in(
                opened + (claimed - opened) * rng.random(),
                Says(customer, "لطفا زودتر بررسی کنید", ticket=ticket),
            )
        slow = timedelta(hours=rng.uniform(3, 8)) if rng.random() < 0.1 else timedelta()
        replied = claimed + timedelta(minutes=rng.lognormvariate(2.2, 0.8)) + slow
        self._in(replied, Told(customer, "سلام، در حال بررسی هستیم.", ticket, agent=agent))
        last, closer = replied, agent
        if rng.random() < 0.06:
            escalated = replied + timedelta(minutes=rng.uniform(10, 60))
            self._in(escalated, Acts("escalate", ticket, agent))
            expert = rng.choice(SECOND_LINE)
            l2_opens = next(self.calendar.open_spans(tier, escalated))[0]
            l2_claimed = l2_opens + timedelta(minutes=rng.lognormvariate(3.0, 1.0))
            self._in(l2_claimed, Acts("claim", ticket, expert))
            last = l2_claimed + timedelta(minutes=rng.lognormvariate(2.5, 1.0))
            self._in(last, Told(customer, "مشکل در سطح ۲ برطرف شد.", ticket, agent=expert))
            closer = expert
        if rng.random() < 0.5:  # the customer answers, the agent once more
            last += timedelta(minutes=rng.lognormvariate(2.0, 1.0))
            self._in(last, Says(customer, "ممنون، درست شد؟", ticket=ticket))
            last += timedelta(minutes=rng.lognormvariate(1.5, 0.8))
            self._in(last, Told(customer, "بله، لطفا دوباره امتحان کنید.", ticket, agent=closer))
        closed = last + timedelta(minutes=rng.lognormvariate(3.0, 1.0))
        self.open_until[customer] = (ticket, closed)
        self._in(closed, Acts("close", ticket, closer))
        self._in(
            closed,
            Told(customer, "تیکت #{} بسته شد. به پاسخ ما امتیاز دهید.", None, ("ticket", ticket)),
        )
        if rng.random() < 0.6:
            rated = closed + timedelta(minutes=rng.uniform(1, 40))
            rating = rng.choices([1, 2, 3, 4, 5], [5, 5, 10, 25, 55])[0]
            comment = "خیلی دیر جواب دادید" if rating <= 2 and rng.random() < 0.5 else None
            self._in(rated, Says(customer, f"r:{{}}:{rating}", "callback", ref=("ticket", ticket)))
            self._in(rated, Rates(ticket, customer, rating, comment))

    def _into_ticket(self, customer: int, ticket: int, when: datetime, closed: datetime) -> None:
        for _ in range(self.rng.choice([1, 2])):
            when += timedelta(minutes=self.rng.uniform(1, 20))
            if when < closed:
                self._in(when, Says(customer, "هنوز مشکل دارم", ticket=ticket))


def plan_history(
    per_day: int, days: int, last_day: date, calendar: SupportCalendar, seed: int
) -> tuple[Plan, datetime]:
    """The desk's plan for `days` Tehran days up to `last_day`, and the moment it stands at
    (8:00 the morning after, when the report of `last_day` is read)."""
    rng = random.Random(seed)
    now = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), TEHRAN) + timedelta(
        hours=8
    )
    desk = Desk(rng, calendar, now)
    people = list(range(700_000_001, 700_000_001 + per_day * 20))  # each writes every ~20 days
    for back in range(days - 1, -1, -1):
        day = last_day - timedelta(days=back)
        busy = 0.5 if day.weekday() == 4 else 1.0  # Friday
        desk.day(day, rng.sample(people, round(per_day * busy * rng.uniform(0.9, 1.1))))
    desk.plan.steps.sort(key=lambda s: (s[0], s[1]))
    return desk.plan, now


# -- writing the plan ---------------------------------------------------------------------------


def _hits(hits: list[Hit], *, titles: bool) -> list[dict[str, Any]]:
    return [
        {"id": h.article_id, "score": round(h.score, 4)} | ({"title": h.title} if titles else {})
        for h in hits
    ]


class Updates:
    """The Telegram ids a step's rows carry: the update a customer's message came in (the
    bot's reply logs the same; an agent's message in the topic is an update of its own), and
    the message's number in the customer's chat."""

    def __init__(self) -> None:
        self.last = 1_000_000
        self.by_customer: dict[int, int] = {}
        self.by_message: dict[int, int] = {}
        self.chat: dict[int, int] = {}

    def came(self, step: Says) -> tuple[int, int]:
        """The update and the chat's message number of what the customer sent."""
        self.last += 1
        self.by_customer[step.customer] = self.last
        if step.key is not None:
            self.by_message[step.key] = self.last
        self.chat[step.customer] = self.chat.get(step.customer, 0) + 1
        return self.last, self.chat[step.customer]

    def sent(self, step: Told) -> int:
        """The update that made the bot send it."""
        if step.agent is not None:
            self.last += 1
            return self.last
        return self.by_customer[step.customer]


class Bulk:
    """The plan's rows, as the repositories and handoff.service would leave them, inserted
    in bulk; ids are given in the order things happened, as a database would."""

    def __init__(self, plan: Plan, calendar: SupportCalendar) -> None:
        self.plan, self.calendar = plan, calendar
        self.customers: dict[int, dict[str, Any]] = {}
        self.messages: list[dict[str, Any]] = []
        self.decisions: list[dict[str, Any]] = []
        self.feedback: list[dict[str, Any]] = []
        self.tickets: dict[int, dict[str, Any]] = {}  # by id
        self.events: list[dict[str, Any]] = []
        self.ids: dict[tuple[str, int], int] = {}
        self.last_ticket: dict[int, int] = {}
        self.updates = Updates()

    def rows(self) -> None:
        for when, _, step in self.plan.steps:
            self._step(when, step)

    def _event(
        self, ticket: int, kind: str, actor: int | None, data: dict[str, Any], at: datetime
    ) -> None:
        self.events.append(
            {
                "id": len(self.events) + 1,
                "ticket_id": ticket,
                "kind": kind,
                "actor_id": actor,
                "data": data,
                "created_at": at,
            }
        )

    def _text(self, template: str, ref: tuple[str, int] | None) -> str:
        return template.format(self.ids[ref]) if ref is not None else template

    def _message(self, **row: Any) -> int:
        row["id"] = len(self.messages) + 1
        self.messages.append(
            {
                "ticket_id": None,
                "telegram_message_id": None,
                "author": None,
                "agent_id": None,
                "agent_name": None,
                "media_group_id": None,
            }
            | row
        )
        return int(row["id"])

    def _step(self, at: datetime, step: Step) -> None:
        match step:
            case Says():
                update_id, telegram_id = self.updates.came(step)
                seen = self.customers.setdefault(
                    step.customer,
                    {
                        "id": step.customer,
                        "first_name": f"مشتری {step.customer % 100_000}",
                        "tier": self.plan.tiers[step.customer],
                        "banned": False,
                        "created_at": at,
                    },
                )
                seen["last_seen_at"] = at
                ticket = self.ids[("ticket", step.ticket)] if step.ticket is not None else None
                message = self._message(
                    customer_id=step.customer,
                    direction="in",
                    kind=step.kind,
                    chat_id=step.customer,
                    text=self._text(step.template, step.ref),
                    ticket_id=ticket,
                    telegram_message_id=telegram_id,
                    update_id=update_id,
                    created_at=at,
                )
                if step.key is not None:
                    self.ids[("message", step.key)] = message
                if ticket is not None and step.kind == "text":  # service.customer_message
                    row = self.tickets[ticket]
                    row["last_customer_at"] = at
                    row["awaiting_reply_since"] = row["awaiting_reply_since"] or at
            case Told():
                ticket = self.ids[("ticket", step.ticket)] if step.ticket is not None else None
                agent_id, agent_name = step.agent or (None, None)
                self._message(
                    customer_id=step.customer,
                    direction="out",
                    kind="text",
                    chat_id=step.customer,
                    text=self._text(step.template, step.ref),
                    ticket_id=ticket,
                    update_id=self.updates.sent(step),
                    author="agent" if step.agent else "bot",
                    agent_id=agent_id,
                    agent_name=agent_name,
                    created_at=at,
                )
                if ticket is not None and agent_id is not None:
                    self._agent_message(self.tickets[ticket], agent_id, at)
            case Decides():
                self.ids[("decision", step.key)] = len(self.decisions) + 1
                self.decisions.append(
                    {
                        "id": len(self.decisions) + 1,
                        "customer_id": step.customer,
                        "message_id": self.ids[("message", step.message)],
                        "query": step.query,
                        "kind": step.kind,
                        "confidence": step.confidence,
                        "hits": _hits(step.hits, titles=False),
                        "article_id": step.article_id,
                        "created_at": at,
                    }
                )
            case Feels():
                self.feedback.append(
                    {
                        "id": len(self.feedback) + 1,
                        "decision_id": self.ids[("decision", step.decision)],
                        "customer_id": step.customer,
                        "helpful": step.helpful,
                        "created_at": at,
                    }
                )
            case Opens():
                tier = self.plan.tiers[step.customer]
                ticket = len(self.tickets) + 1
                self.ids[("ticket", step.ticket)] = ticket
                chosen = priority(tier, step.question)
                self.tickets[ticket] = {
                    "id": ticket,
                    "customer_id": step.customer,
                    "status": "open",
                    "level": 1,
                    "priority": chosen,
                    "reason": step.reason,
                    "question": step.question,
                    "tried": _hits(step.tried, titles=True),
                    "agent_chat_id": AGENT_CHAT,
                    "thread_id": None,
                    "claimed_by": None,
                    "claimed_by_name": None,
                    "opened_at": at,
                    "first_response_due": first_response_due(tier, at, self.calendar),
                    "first_response_at": None,
                    "last_customer_at": at,
                    "last_agent_at": None,
                    "awaiting_reply_since": at,
                    "escalated_at": None,
                    "l2_response_due": None,
                    "l2_response_at": None,
                    "closed_at": None,
                    "closed_by": None,
                    "rating": None,
                    "rating_comment": None,
                    "previous_ticket_id": self.last_ticket.get(step.customer),
                    "customer_blocked": False,
                    "opening_update_id": self.updates.by_message[step.message],
                }
                self.last_ticket[step.customer] = ticket
                self._event(
                    ticket,
                    "opened",
                    step.customer,
                    {"reason": step.reason, "tier": tier, "priority": chosen},
                    at,
                )
            case Topic():
                self.tickets[self.ids[("ticket", step.ticket)]]["thread_id"] = step.thread_id
            case Acts():
                self._acts(self.tickets[self.ids[("ticket", step.ticket)]], step, at)
            case Rates():
                row = self.tickets[self.ids[("ticket", step.ticket)]]
                if row["status"] == "closed" and row["rating"] is None:
                    row["rating"], row["rating_comment"] = step.rating, step.comment
                    self._event(row["id"], "rated", step.customer, {"rating": step.rating}, at)

    def _agent_message(self, row: dict[str, Any], agent_id: int, at: datetime) -> None:
        """service.agent_message: repo.touch_agent's columns, the first responses' events."""
        row["last_agent_at"], row["awaiting_reply_since"] = at, None
        if row["first_response_at"] is None:
            row["first_response_at"] = at
            due = row["first_response_due"]
            self._event(
                row["id"], "first_response", agent_id, {"within_sla": due is None or at <= due}, at
            )
        if (
            row["l2_response_at"] is None
            and row["escalated_at"] is not None
            and row["escalated_at"] <= at
        ):
            row["l2_response_at"] = at
            due = row["l2_response_due"]
            self._event(
                row["id"],
                service.L2_RESPONSE_EVENT,
                agent_id,
                {"within_sla": due is None or at <= due},
                at,
            )

    def _acts(self, row: dict[str, Any], step: Acts, at: datetime) -> None:
        agent_id, name = step.agent
        if (
            step.action == "claim"
            and row["claimed_by"] is None
            and row["status"] in ("open", "escalated")
        ):
            row.update(status="claimed", claimed_by=agent_id, claimed_by_name=name)
            self._event(row["id"], "claimed", agent_id, {"agent_name": name}, at)
        elif step.action == "escalate" and row["status"] != "closed" and row["level"] == 1:
            row.update(
                status="escalated", level=2, claimed_by=None, claimed_by_name=None, escalated_at=at
            )
            row["awaiting_reply_since"] = row["awaiting_reply_since"] or at
            self._event(row["id"], "escalated", agent_id, {"agent_name": name}, at)
            tier = self.plan.tiers[row["customer_id"]]
            row["l2_response_due"] = l2_response_due(tier, at, self.calendar)  # start_l2_clock
        elif step.action == "close" and row["status"] != "closed":
            row.update(status="closed", closed_at=at, closed_by=agent_id, awaiting_reply_since=None)
            self._event(row["id"], "closed", agent_id, {"agent_name": name}, at)

    async def insert(self, sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
        tables: list[tuple[Any, list[dict[str, Any]]]] = [
            (Customer, list(self.customers.values())),
            (Ticket, list(self.tickets.values())),
            (Message, self.messages),
            (KBDecision, self.decisions),
            (Feedback, self.feedback),
            (TicketEvent, self.events),
        ]
        async with sessions.begin() as session:
            for model, rows in tables:
                for start in range(0, len(rows), CHUNK):
                    await session.execute(insert(model), rows[start : start + CHUNK])
            if session.get_bind().dialect.name == "postgresql":  # ids were given: move on
                for model, rows in tables[1:]:
                    table = model.__tablename__
                    await session.execute(
                        text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :n)"),
                        {"n": max(len(rows), 1)},
                    )
                # As autovacuum has done on a desk's tables long since: the planner's figures.
                await session.execute(text("ANALYZE"))
        return {model.__tablename__: len(rows) for model, rows in tables}


async def through_service(
    plan: Plan, sessions: async_sessionmaker[AsyncSession], calendar: SupportCalendar
) -> None:
    """Write the plan with the repositories and handoff.service, a transaction a step."""
    ids: dict[tuple[str, int], int] = {}
    updates = Updates()

    def said(template: str, ref: tuple[str, int] | None) -> str:
        return template.format(ids[ref]) if ref is not None else template

    for at, _, step in plan.steps:
        async with sessions.begin() as session:
            match step:
                case Says():
                    update_id, telegram_id = updates.came(step)
                    known = await repo.get_customer(session, step.customer)
                    await repo.upsert_customer(
                        session,
                        user_id=step.customer,
                        first_name=f"مشتری {step.customer % 100_000}",
                        seen_at=at,
                    )
                    if known is None and plan.tiers[step.customer] != "standard":
                        await repo.set_customer_tier(
                            session, user_id=step.customer, tier=plan.tiers[step.customer]
                        )
                    ticket = ids[("ticket", step.ticket)] if step.ticket is not None else None
                    message = await repo.log_message(
                        session,
                        customer_id=step.customer,
                        direction="in",
                        kind=step.kind,
                        chat_id=step.customer,
                        text=said(step.template, step.ref),
                        ticket_id=ticket,
                        telegram_message_id=telegram_id,
                        update_id=update_id,
                        at=at,
                    )
                    if step.key is not None:
                        ids[("message", step.key)] = message.id
                    if ticket is not None and step.kind == "text":
                        await service.customer_message(session, ticket_id=ticket, at=at)
                case Told():
                    ticket = ids[("ticket", step.ticket)] if step.ticket is not None else None
                    agent_id, agent_name = step.agent or (None, None)
                    await repo.log_message(
                        session,
                        customer_id=step.customer,
                        direction="out",
                        kind="text",
                        chat_id=step.customer,
                        text=said(step.template, step.ref),
                        ticket_id=ticket,
                        update_id=updates.sent(step),
                        author="agent" if step.agent else "bot",
                        agent_id=agent_id,
                        agent_name=agent_name,
                        at=at,
                    )
                    if ticket is not None and agent_id is not None:
                        await service.agent_message(
                            session, ticket_id=ticket, agent_id=agent_id, at=at
                        )
                case Decides():
                    decision = await repo.record_decision(
                        session,
                        customer_id=step.customer,
                        query=step.query,
                        kind=step.kind,
                        confidence=step.confidence,
                        hits=step.hits,
                        article_id=step.article_id,
                        message_id=ids[("message", step.message)],
                        at=at,
                    )
                    ids[("decision", step.key)] = decision.id
                case Feels():
                    await repo.record_feedback(
                        session,
                        decision_id=ids[("decision", step.decision)],
                        customer_id=step.customer,
                        helpful=step.helpful,
                        at=at,
                    )
                case Opens():
                    customer = await repo.get_customer(session, step.customer)
                    assert customer is not None
                    opened, _ = await service.open_ticket(
                        session,
                        customer=customer,
                        question=step.question,
                        reason=step.reason,
                        tried=step.tried,
                        agent_chat_id=AGENT_CHAT,
                        opening_update_id=updates.by_message[step.message],
                        priority=priority(customer.tier, step.question),
                        now=at,
                        calendar=calendar,
                    )
                    ids[("ticket", step.ticket)] = opened.id
                case Topic():
                    await repo.set_ticket_topic(
                        session, ids[("ticket", step.ticket)], thread_id=step.thread_id
                    )
                case Acts():
                    ticket = ids[("ticket", step.ticket)]
                    agent_id, name = step.agent
                    if step.action == "claim":
                        await service.claim(
                            session, ticket_id=ticket, agent_id=agent_id, agent_name=name, now=at
                        )
                    elif step.action == "escalate":
                        result = await service.escalate(
                            session, ticket_id=ticket, actor_id=agent_id, actor_name=name, now=at
                        )
                        if result.ticket is not None:
                            await service.start_l2_clock(
                                session, ticket=result.ticket, calendar=calendar
                            )
                    else:
                        await service.close(
                            session, ticket_id=ticket, actor_id=agent_id, actor_name=name, now=at
                        )
                case Rates():
                    await service.rate(
                        session,
                        ticket_id=ids[("ticket", step.ticket)],
                        customer_id=step.customer,
                        rating=step.rating,
                        comment=step.comment,
                        now=at,
                    )


# -- databases ----------------------------------------------------------------------------------


async def _pg_admin(statement: str) -> None:
    engine = create_async_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql(statement)
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def database(postgres: bool, folder: Path) -> AsyncIterator[str]:
    """A migrated, empty database's URL: a SQLite file in `folder`, or a PostgreSQL database
    made for it and dropped after."""
    if not postgres:
        own = Path(tempfile.mkdtemp(dir=folder))
        try:
            url = f"sqlite+aiosqlite:///{own / 'pasokh.sqlite3'}"
            await migrate(url)
            yield url
        finally:
            shutil.rmtree(own)
        return
    name = f"pasokh_bench_{secrets.token_hex(4)}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        await migrate(f"{PG}/{name}")
        yield f"{PG}/{name}"
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- measuring ----------------------------------------------------------------------------------


TABLES = (Customer, Ticket, Message, KBDecision, Feedback, TicketEvent)


async def _rows(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of the tables the plan writes, by id."""
    engine = create_engine_from_url(url)
    try:
        async with engine.connect() as connection:
            return {
                model.__tablename__: [
                    dict(row._mapping)
                    for row in await connection.execute(
                        select(model.__table__).order_by(model.__table__.c.id)
                    )
                ]
                for model in TABLES
            }
    finally:
        await engine.dispose()


def _row_differences(
    one: dict[str, list[dict[str, Any]]], other: dict[str, list[dict[str, Any]]]
) -> list[str]:
    """The tables whose rows differ, with the first row and columns that do."""
    wrong = []
    for table, rows in one.items():
        theirs = other[table]
        if len(rows) != len(theirs):
            wrong.append(f"{table}: {len(rows)} rows != {len(theirs)}")
            continue
        for mine, their in zip(rows, theirs, strict=True):
            columns = [c for c in mine if mine[c] != their[c]]
            if columns:
                shown = ", ".join(f"{c}={mine[c]!r} != {their[c]!r}" for c in columns)
                wrong.append(f"{table} id {mine['id']}: {shown}")
                break
    return wrong


def _differences(one: DayFigures, other: DayFigures) -> list[str]:
    return [
        f"{f.name}: {getattr(one, f.name)!r} != {getattr(other, f.name)!r}"
        for f in fields(DayFigures)
        if getattr(one, f.name) != getattr(other, f.name)
    ]


async def _figures(
    url: str, days: Sequence[date], now: datetime, calendar: SupportCalendar
) -> list[DayFigures]:
    engine = create_engine_from_url(url)
    try:
        async with make_sessionmaker(engine)() as session:
            return [
                await day_figures(
                    session,
                    *tehran_day(
                        datetime.combine(d, datetime.min.time(), TEHRAN) + timedelta(hours=12)
                    )[1:],
                    now=now,
                    calendar=calendar,
                    rng=random.Random(1),
                )
                for d in days
            ]
    finally:
        await engine.dispose()


async def check(postgres: bool, folder: Path, calendar: SupportCalendar) -> None:
    """A small plan written in bulk and through the services gives the same figures."""
    days = 4
    plan, now = plan_history(40, days, LAST_DAY, calendar, SEED + 1)
    every = [LAST_DAY - timedelta(days=n) for n in range(days)]
    async with database(postgres, folder) as bulk_url, database(postgres, folder) as service_url:
        bulk = Bulk(plan, calendar)
        bulk.rows()
        engine = create_engine_from_url(bulk_url)
        await bulk.insert(make_sessionmaker(engine))
        await engine.dispose()
        engine = create_engine_from_url(service_url)
        await through_service(plan, make_sessionmaker(engine), calendar)
        await engine.dispose()
        bulk_days = await _figures(bulk_url, every, now, calendar)
        service_days = await _figures(service_url, every, now, calendar)
        bulk_rows, service_rows = await _rows(bulk_url), await _rows(service_url)
    wrong = [
        f"{d}: {diff}"
        for d, b, s in zip(every, bulk_days, service_days, strict=True)
        for diff in _differences(b, s)
    ] + _row_differences(bulk_rows, service_rows)
    if wrong:
        raise SystemExit("the bulk rows are not the service's:\n" + "\n".join(wrong))
    print(
        f"check: {len(plan.steps):,} steps of {days} days written in bulk and through "
        f"handoff.service: the same rows in every table "
        f"({sum(len(r) for r in bulk_rows.values()):,}), the same day_figures every day "
        f"({sum(f.questions for f in bulk_days)} questions, "
        f"{sum(f.opened for f in bulk_days)} tickets)"
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _describe(f: DayFigures) -> str:
    median = f.first_response_median
    return (
        f"{f.customers} customers wrote, {f.asked} asked, {f.self_served} served by the bot; "
        f"questions {f.answers}/{f.suggestions}/{f.handoffs} (answer/suggest/handoff); "
        f"feedback {f.helpful} 👍 {f.not_helpful} 👎; "
        f"tickets opened {f.opened}, closed {f.closed}, "
        f"open now {f.open_now}; first response median "
        f"{'—' if median is None else f'{median.total_seconds() / 60:.0f} min'} ({f.responses}), "
        f"deadlines met {f.deadlines_met}/{f.deadlines}; escalated {f.escalated}; "
        f"ratings {len(f.ratings)}, CSAT {'—' if f.csat is None else f'{f.csat:.2f}'}; "
        f"{len(f.agents)} agents"
    )


async def _loop_pauses(stop: asyncio.Event, worst: list[float]) -> None:
    """Keep the longest time the event loop took to come back to a 1 ms sleep."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        began = loop.time()
        await asyncio.sleep(0.001)
        worst[0] = max(worst[0], loop.time() - began - 0.001)


async def build(
    args: argparse.Namespace, calendar: SupportCalendar, sessions: async_sessionmaker[AsyncSession]
) -> tuple[datetime, str]:
    """Plan the history and insert it; the moment it stands at, and what was done."""
    began = time.perf_counter()
    plan, now = plan_history(args.customers, args.days, LAST_DAY, calendar, SEED)
    bulk = Bulk(plan, calendar)
    bulk.rows()
    planned = time.perf_counter() - began
    began = time.perf_counter()
    counts = await bulk.insert(sessions)
    inserted = time.perf_counter() - began
    day, start, end = tehran_day(
        datetime.combine(LAST_DAY, datetime.min.time(), TEHRAN) + timedelta(hours=12)
    )
    today = [s for at, _, s in plan.steps if start <= at < end]
    return now, (
        f"{args.days} days x ~{args.customers} customers: "
        + ", ".join(f"{n:,} {t}" for t, n in counts.items())
        + f"; planned in {planned:.1f} s, inserted in {inserted:.1f} s"
        + f"\nthe plan of {day}: "
        f"{len({s.customer for s in today if isinstance(s, Says)})} customers wrote, "
        f"{sum(isinstance(s, Decides) for s in today)} questions, "
        f"{sum(isinstance(s, Opens) for s in today)} tickets opened"
    )


async def bench(args: argparse.Namespace, folder: Path) -> None:
    calendar = SupportCalendar()
    if not args.no_check:
        await check(args.postgres, folder, calendar)
    async with database(args.postgres, folder) as url:
        engine = create_engine_from_url(url)
        sessions = make_sessionmaker(engine)
        try:
            now, built = await build(args, calendar, sessions)
            gc.collect()  # the plan's million objects: not the bot's, nor its collector's work
            where = "PostgreSQL 127.0.0.1:5432" if args.postgres else "SQLite"
            size = ""
            if not args.postgres:
                files = Path(url.split("///", 1)[1]).parent.iterdir()
                file_size = sum(p.stat().st_size for p in files)
                size = f", {file_size / 2**20:,.0f} MiB in files"
            else:
                async with sessions() as session:
                    bytes_ = await session.scalar(
                        select(func.pg_database_size(func.current_database()))
                    )
                size = f", {int(bytes_ or 0) / 2**20:,.0f} MiB database"
            print(f"{where}{size}: {built}")
            day, start, end = tehran_day(
                datetime.combine(LAST_DAY, datetime.min.time(), TEHRAN) + timedelta(hours=12)
            )
            async with sessions() as session:
                figures = await day_figures(session, start, end, now=now, calendar=calendar)
            print(f"day_figures of {day}: {_describe(figures)}")

            one_day: list[float] = []
            for back in range(args.sample_days):
                _, s, e = tehran_day(start - timedelta(days=back) + timedelta(hours=12))
                async with sessions.begin() as session:
                    t0 = time.perf_counter()
                    await day_figures(session, s, e, now=now, calendar=calendar)
                    one_day.append(time.perf_counter() - t0)
            print(
                f"day_figures, one day ({len(one_day)} days, a transaction each): "
                f"p50 {_ms(statistics.median(one_day))}, max {_ms(max(one_day))}"
            )

            services = cast(
                "Services",
                SimpleNamespace(sessions=sessions, settings=SimpleNamespace(calendar=calendar)),
            )
            trend: list[tuple[date, DayFigures]] = []
            for run in range(args.repeat):
                stop, worst = asyncio.Event(), [0.0]
                watcher = asyncio.create_task(_loop_pauses(stop, worst))
                t0 = time.perf_counter()
                before = await _days_before(services, start, now)
                async with sessions.begin() as session:
                    today = await day_figures(session, start, end, now=now, calendar=calendar)
                took = time.perf_counter() - t0
                stop.set()
                await watcher
                trend = [*before, (day, today)]
                print(
                    f"the report's {len(trend)} days (_days_before + the day, {CHART_DAYS} "
                    f"transactions), run {run + 1}: {_ms(took)}, "
                    f"longest event-loop pause {_ms(worst[0])}"
                )
            pictures: list[float] = []
            size_png = 0
            for _ in range(args.repeat + 1):
                t0 = time.perf_counter()
                png = await asyncio.to_thread(trend_png, trend)
                pictures.append(time.perf_counter() - t0)
                size_png = len(png)
            print(
                f"trend_png of {len(trend)} days ({size_png / 1024:.0f} KiB PNG, in a thread): "
                f"first {_ms(pictures[0])} (imports matplotlib), then "
                + ", ".join(_ms(p) for p in pictures[1:])
            )
        finally:
            await engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--customers", type=int, default=500, help="customers a (working) day")
    parser.add_argument("--days", type=int, default=90, help="days of history")
    parser.add_argument("--postgres", action="store_true", help="on PostgreSQL, not SQLite")
    parser.add_argument("--sample-days", type=int, default=14, help="days day_figures is timed on")
    parser.add_argument("--repeat", type=int, default=3, help="reads of the 28 days, and charts")
    parser.add_argument("--no-check", action="store_true", help="skip the bulk-vs-service check")
    args = parser.parse_args(argv)
    if not (1 <= args.customers <= 5_000 and CHART_DAYS <= args.days <= 400):
        raise SystemExit(f"keep it bounded: 1..5000 customers, {CHART_DAYS}..400 days")
    with tempfile.TemporaryDirectory(prefix="pasokh-report-") as folder:
        asyncio.run(bench(args, Path(folder)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
