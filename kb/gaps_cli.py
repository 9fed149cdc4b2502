"""`python -m kb gaps`: what customers asked that the KB could not answer, from the bot's log.

Reads the interaction log (DATABASE_URL, as the bot does; read only), mines it (kb.gaps)
against the KB as it is now, and prints the lists for editors in Persian, or JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import yaml
from pydantic_settings import BaseSettings
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from kb import texts
from kb.gaps import Asked, Gaps, Sent, mine
from kb.service import KnowledgeBase
from kb.settings import FROM_ENVIRONMENT, KBSettings
from storage.db import (
    DATABASE_ERRORS,
    DEFAULT_URL,
    DRIVERS,
    make_sessionmaker,
    shown_url,
    sqlite_file,
)
from storage.repositories import articles_sent_since, decisions_since

DEFAULT_DAYS = 30
DEFAULT_LIMIT = 20
# Variants and questions shown under one entry of the printed report.
SHOWN_VARIANTS = 3


class LogSettings(BaseSettings):
    """DATABASE_URL, read the way the bot reads it (the environment or `.env`)."""

    model_config = FROM_ENVIRONMENT

    database_url: str = DEFAULT_URL


class LogUnreadable(Exception):
    """The interaction log cannot be read; the message says why, for the editor."""


def add_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    gaps = commands.add_parser(
        "gaps",
        parents=[common],
        help="questions customers asked that the KB could not answer (from the bot's log)",
    )
    gaps.add_argument(
        "--days", type=_positive_int, default=DEFAULT_DAYS, help="how far back to look (days)"
    )
    gaps.add_argument(
        "--limit", type=_positive_int, default=DEFAULT_LIMIT, help="entries shown per list"
    )
    gaps.add_argument(
        "--database-url", default=None, help="the bot's database (default: DATABASE_URL)"
    )
    gaps.add_argument("--json", action="store_true", help="print the lists as JSON")


def run(args: argparse.Namespace, settings: KBSettings, kb_dir: Path) -> int:
    """Read the log first (a missing database should not wait for the KB to load)."""
    url = args.database_url or LogSettings().database_url
    since = datetime.now(UTC) - timedelta(days=min(args.days, ALL_DAYS))
    try:
        asked, sent = asyncio.run(read_log(url, since))
    except LogUnreadable as error:
        print(error, file=sys.stderr)
        return 2
    if asked or sent:
        # Each wording is asked of the KB again (milliseconds each): say why nothing shows yet.
        print(texts.GAPS_CHECKING.format(questions=texts.fa_number(len(asked))), file=sys.stderr)
        kb = settings.knowledge_base(kb_dir)
        gaps = mine_kb(kb, asked, sent)
    else:  # nothing to check: no need to load (and encode) the KB
        kb, gaps = KnowledgeBase(kb_dir), Gaps(questions=0)
    if args.json:
        print(json.dumps(gaps_json(gaps, args.limit), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render(gaps, kb, days=args.days, limit=args.limit))
    return 0


async def read_log(url: str, since: datetime) -> tuple[list[Asked], list[Sent]]:
    """The questions asked and the articles agents sent from `since` on."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise LogUnreadable(texts.GAPS_BAD_URL) from None
    shown = shown_url(parsed)
    if parsed.drivername not in DRIVERS:
        raise LogUnreadable(texts.GAPS_BAD_URL)
    path = sqlite_file(parsed)
    if path is not None and not path.is_file():  # opening it would create an empty one
        raise LogUnreadable(texts.GAPS_NO_DATABASE.format(url=shown))
    # A plain engine, not storage.db's: that one starts every SQLite transaction IMMEDIATE (the
    # write lock), and a report must not hold up a running bot. A read sees a WAL snapshot.
    engine = create_async_engine(parsed)
    try:
        async with make_sessionmaker(engine)() as session:
            return await log_of(session, since=since)
    except DATABASE_ERRORS as error:
        raise LogUnreadable(
            texts.GAPS_UNREADABLE.format(url=shown, error=type(error).__name__)
        ) from None
    finally:
        await engine.dispose()


async def log_of(
    session: AsyncSession, *, since: datetime, until: datetime | None = None
) -> tuple[list[Asked], list[Sent]]:
    """The questions asked and the articles agents sent in [since, until) (until: now)."""
    decisions = await decisions_since(session, since=since, until=until)
    events = await articles_sent_since(session, since=since, until=until)
    asked = [
        Asked(
            question=d.query,
            kind=d.kind,
            customer_id=d.customer_id,
            at=d.created_at,
            top=str(d.hits[0].get("id")) if d.hits else None,
            top_score=float(d.hits[0].get("score", 0.0)) if d.hits else 0.0,
            shown=d.article_id,
            helpful=helpful,
        )
        for d, helpful in decisions
    ]
    sent = [
        Sent(question, str(event.data.get("article_id", "")), customer_id, event.created_at)
        for event, question, customer_id in events
        if event.data.get("article_id")
    ]
    return asked, sent


def mine_kb(kb: KnowledgeBase, asked: Sequence[Asked], sent: Sequence[Sent]) -> Gaps:
    """Mine against the KB as it is now, with the bot's own idea of what is not a question."""
    from triage.person import asks_for_person
    from triage.smalltalk import small_talk
    from triage.yesno import yes_or_no

    def still_open(question: str, article_id: str | None) -> bool:
        decision = kb.ask(question)
        if decision.kind != "answer" or decision.top is None:
            return True
        return article_id is not None and decision.top.article_id != article_id

    def vectors(wordings: Sequence[str]) -> np.ndarray | None:
        # Encoded once, in batches, and kept: still_open's asks then encode nothing. As the
        # KB encodes a question (kb.semantic.question_key): a «سلام وقت بخیر، » in front of
        # two unrelated questions made them one. None when a reload has just put matching
        # by meaning off: grouped by words then.
        return kb.question_vectors(wordings)

    # «printer kar nemikone» and «mvdkjv ;hv kld;ki» are «پرینتر کار نمیکنه» to the KB: one
    # question, shown (and offered as a wording) the way the editor reads it.
    asked = [replace(a, question=kb.reading(a.question)) for a in asked]
    sent = [replace(s, question=kb.reading(s.question)) for s in sent]
    return mine(
        asked,
        sent,
        kb.articles,
        ignore=lambda text: (
            small_talk(text) is not None or yes_or_no(text) is not None or asks_for_person(text)
        ),
        still_open=still_open,
        vectors=vectors if kb.semantic else None,
    )


def render(gaps: Gaps, kb: KnowledgeBase, *, days: int, limit: int) -> str:
    """The report for an editor's terminal, in Persian."""
    from handoff.persian import jalali

    n = texts.fa_number
    lines = [texts.GAPS_HEADER.format(days=n(days), questions=n(gaps.questions)), ""]
    lines.append(texts.GAPS_UNANSWERED.format(groups=n(len(gaps.unanswered))))
    for number, group in enumerate(gaps.unanswered[:limit], start=1):
        lines.append(
            texts.GAPS_GROUP.format(
                number=n(number),
                question=_quoted(group.question),
                asked=n(group.asked),
                customers=n(group.customers),
                last=jalali(group.last),
            )
        )
        if group.variants:
            others = " · ".join(_quoted(v) for v in group.variants[:SHOWN_VARIANTS])
            if len(group.variants) > SHOWN_VARIANTS:  # grouped by meaning, never hidden
                more = len(group.variants) - SHOWN_VARIANTS
                others += texts.GAPS_MORE_VARIANTS.format(count=n(more))
            lines.append(texts.GAPS_VARIANTS.format(variants=others))
        if group.top is not None:
            lines.append(
                texts.GAPS_CLOSEST.format(
                    article=_article(kb, group.top), score=n(f"{group.top_score:.2f}")
                )
            )
    lines += _more(len(gaps.unanswered), limit)
    if gaps.now_answered:
        lines.append(texts.GAPS_NOW_ANSWERED.format(count=n(gaps.now_answered)))
    lines += ["", texts.GAPS_PHRASINGS.format(count=n(len(gaps.phrasings)))]
    shown = gaps.phrasings[:limit]
    for article_id in dict.fromkeys(p.article_id for p in shown):
        lines.append(_article(kb, article_id))
        for p in shown:
            if p.article_id == article_id:
                how = "، ".join(texts.GAPS_VIA[via] for via in sorted(p.via))
                comment = texts.GAPS_PHRASING_NOTE.format(asked=n(p.asked), how=how)
                lines.append(f"  - {_yaml_scalar(p.question)}  # {comment}")
    lines += _more(len(gaps.phrasings), limit)
    lines += ["", texts.GAPS_UNHELPFUL.format(count=n(len(gaps.unhelpful)))]
    for u in gaps.unhelpful[:limit]:
        lines.append(
            texts.GAPS_UNHELPFUL_ENTRY.format(
                article=_article(kb, u.article_id), no=n(u.no), verdicts=n(u.verdicts)
            )
        )
        asked = " · ".join(_quoted(q) for q in u.questions[:SHOWN_VARIANTS])
        lines.append(texts.GAPS_ASKED.format(questions=asked))
    lines += _more(len(gaps.unhelpful), limit)
    if gaps.gone:
        lines += ["", texts.GAPS_GONE.format(ids="، ".join(sorted(gaps.gone)))]
    return "\n".join(lines) + "\n"


def gaps_json(gaps: Gaps, limit: int) -> dict[str, object]:
    """The lists for tools: the same entries, times in ISO 8601 UTC."""
    return {
        "questions": gaps.questions,
        "now_answered": gaps.now_answered,
        "unanswered": [
            {
                "question": g.question,
                "variants": list(g.variants),
                "asked": g.asked,
                "customers": g.customers,
                "last": g.last.isoformat(),
                "closest": g.top,
                "closest_score": g.top_score,
            }
            for g in gaps.unanswered[:limit]
        ],
        "phrasings": [
            {
                "article": p.article_id,
                "question": p.question,
                "asked": p.asked,
                "via": sorted(p.via),
                "last": p.last.isoformat(),
            }
            for p in gaps.phrasings[:limit]
        ],
        "unhelpful": [
            {
                "article": u.article_id,
                "no": u.no,
                "verdicts": u.verdicts,
                "questions": list(u.questions),
            }
            for u in gaps.unhelpful[:limit]
        ],
        "gone": sorted(gaps.gone),
    }


def _more(total: int, limit: int) -> list[str]:
    if total == 0:
        return [texts.GAPS_NONE]
    if total > limit:
        return [texts.GAPS_MORE.format(count=texts.fa_number(total - limit))]
    return []


def _article(kb: KnowledgeBase, article_id: str) -> str:
    article = kb.get(article_id)
    return f"{article_id} ({article.title})" if article is not None else article_id


def _quoted(text: str) -> str:
    """A customer's words on one line, bounded, in Persian quotation marks."""
    flat = " ".join(text.split())
    return f"«{flat[:120]}…»" if len(flat) > 120 else f"«{flat}»"


def _yaml_scalar(text: str) -> str:
    """The question as it can be pasted under `questions:` (quoted only where YAML needs it)."""
    flat = " ".join(text.split())
    try:
        plain_ok = yaml.safe_load(f"- {flat}") == [flat]
    except yaml.YAMLError:
        plain_ok = False
    return flat if plain_ok and "#" not in flat else json.dumps(flat, ensure_ascii=False)


# Longer ago than any log («--days 999999» for "all of it"): a date Python can still hold.
ALL_DAYS = 100 * 365


def _positive_int(value: str) -> int:
    """A whole number above zero; anything else is refused in Persian (a ValueError would get
    argparse's English "invalid _positive_int value")."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(texts.GAPS_NOT_A_NUMBER.format(value=value)) from None
    if number < 1:
        raise argparse.ArgumentTypeError(texts.GAPS_POSITIVE)
    return number
