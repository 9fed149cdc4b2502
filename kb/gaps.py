"""What the KB could not answer, mined from the questions customers asked: for its editors.

Three lists come out of one period of the interaction log:
- unanswered: questions handed to a person, or offered choices none of which was taken, grouped
  by meaning and most asked first: articles to write;
- other wordings: questions whose article exists but was reached only by the customer picking it
  from the choices or by an agent sending it: phrasings for that article's `questions:`;
- not helpful: answers customers said did not help, by article: articles to improve.

What the current KB now answers is left out (`still_open`), so an editor who has added the
article or phrasing sees the entry go.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from kb.article import Article
from kb.index import query_key

DecisionKind = Literal["answer", "suggest", "handoff"]
Via = Literal["picked", "agent"]

# Sentence cosines at or above this are one question in other words (multilingual-e5-small
# puts «قیمت دلار امروز چنده» and «نرخ دلار» at 0.94, and «قیمت طلا امروز» at 0.93).
SAME_MEANING = 0.94
# Without the sentence encoder: character n-gram cosine over the period's questions.
SAME_WORDS = 0.6
# A phrasing is a question, not a story: longer messages are not offered as one.
PHRASING_MAX_CHARS = 200
# Only this many distinct unanswered wordings, the most asked, are grouped (the rest, asked
# once and longest ago, are left out: a month of a busy desk, compared pairwise in 16 MB).
MAX_GROUPED = 2000


@dataclass(frozen=True, slots=True)
class Asked:
    """One question as the interaction log has it."""

    question: str
    kind: DecisionKind
    customer_id: int
    at: datetime
    top: str | None = None  # the best article the KB found, if any
    top_score: float = 0.0
    shown: str | None = None  # the article the customer got: answered, or picked from choices
    helpful: bool | None = None  # what the customer said of it


@dataclass(frozen=True, slots=True)
class Sent:
    """An article an agent sent in a ticket, with the question the ticket was opened on."""

    question: str
    article_id: str
    customer_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class Group:
    """Unanswered questions that ask one thing."""

    question: str  # the wording asked most
    variants: tuple[str, ...]  # the other wordings, most asked first
    asked: int
    customers: int
    last: datetime
    top: str | None  # the closest article the KB found
    top_score: float


@dataclass(frozen=True, slots=True)
class Phrasing:
    """A wording customers used for an article that the KB did not answer it by."""

    article_id: str
    question: str
    asked: int
    via: frozenset[Via]
    last: datetime


@dataclass(frozen=True, slots=True)
class Unhelpful:
    """An article customers said did not help."""

    article_id: str
    no: int
    verdicts: int
    questions: tuple[str, ...]  # what those customers had asked, most recent first


@dataclass(frozen=True)
class Gaps:
    questions: int  # questions in the period, greetings and requests for a person left out
    unanswered: tuple[Group, ...] = ()
    phrasings: tuple[Phrasing, ...] = ()
    unhelpful: tuple[Unhelpful, ...] = ()
    now_answered: int = 0  # unanswered wordings the current KB answers
    gone: frozenset[str] = field(default_factory=frozenset)  # article ids no longer in the KB


def mine(
    asked: Iterable[Asked],
    sent: Iterable[Sent],
    articles: Sequence[Article],
    *,
    ignore: Callable[[str], bool] = lambda _: False,
    still_open: Callable[[str, str | None], bool] = lambda _q, _a: True,
    vectors: Callable[[Sequence[str]], np.ndarray | None] | None = None,
) -> Gaps:
    """The three lists (see the module's text).

    `ignore`: messages that are not questions for the KB (a greeting, asking for a person).
    `still_open(question, article_id)`: False when the current KB already answers `question`
    (with `article_id`, when given). `vectors`: unit sentence vectors, to group by meaning;
    without them (or None from it) questions are grouped by shared character n-grams. The
    unanswered wordings are given to `vectors` before `still_open` asks about each (so
    their encoding is done once, in batches, when `still_open` keeps what it computes).
    """
    rows = [a for a in asked if query_key(a.question) and not ignore(a.question)]
    known = {a.id: {query_key(t) for t in (a.title, *a.questions)} for a in articles}
    phrasings, reached, gone = _phrasings(rows, sent, known, still_open)
    lost = [
        a
        for a in rows
        if (a.kind == "handoff" or (a.kind == "suggest" and a.shown is None))
        and query_key(a.question) not in reached
    ]
    groups, now_answered = _unanswered(lost, still_open, vectors)
    unhelpful = _unhelpful(rows)
    return Gaps(
        questions=len(rows),
        unanswered=groups,
        phrasings=phrasings,
        unhelpful=unhelpful,
        now_answered=now_answered,
        gone=frozenset(gone | {u.article_id for u in unhelpful if u.article_id not in known}),
    )


def _customers(question: str) -> bool:
    """Whether a ticket's question is the customer's words: one asked under a guide they
    browsed to is the bot's note in brackets (bot.texts.after_reading), no wording to add."""
    text = question.strip()
    return bool(query_key(text)) and not (text.startswith("(") and text.endswith(")"))


def _picked(asked: Asked) -> bool:
    """Whether the customer chose the article they got: from the choices offered, or from
    the other guides offered after saying an answer did not help (the most telling pick: it
    mends a confident wrong answer)."""
    return asked.kind == "suggest" or (asked.kind == "answer" and asked.shown != asked.top)


def _phrasings(
    rows: Sequence[Asked],
    sent: Iterable[Sent],
    known: dict[str, set[str]],
    still_open: Callable[[str, str | None], bool],
) -> tuple[tuple[Phrasing, ...], set[str], set[str]]:
    """Wordings to add, the search keys of every question an article was reached for, and
    the ids of articles reached that are gone."""
    found: list[tuple[str, str, Via, datetime]] = [
        (a.shown, a.question, "picked", a.at)
        for a in rows
        if a.shown is not None and a.helpful is not False and _picked(a)
    ]
    found += [(s.article_id, s.question, "agent", s.at) for s in sent if _customers(s.question)]
    reached = {query_key(question) for _, question, _, _ in found}
    gone = {article_id for article_id, *_ in found if article_id not in known}
    phrased = set().union(*known.values())
    by_wording: dict[tuple[str, str], list[tuple[str, Via, datetime]]] = {}
    for article_id, question, via, at in found:
        key = query_key(question)
        # A wording some article already has is not offered again, to it or (kb.overlap) to
        # another: shared, it would answer neither for certain.
        if article_id in gone or key in phrased or len(question) > PHRASING_MAX_CHARS:
            continue
        by_wording.setdefault((article_id, key), []).append((question.strip(), via, at))
    phrasings = [
        Phrasing(
            article_id=article_id,
            question=_most_common(question for question, _, _ in uses),
            asked=len(uses),
            via=frozenset(via for _, via, _ in uses),
            last=max(at for _, _, at in uses),
        )
        for (article_id, _), uses in by_wording.items()
    ]
    phrasings = [p for p in phrasings if still_open(p.question, p.article_id)]
    phrasings.sort(key=lambda p: (-p.asked, -p.last.timestamp(), p.article_id, p.question))
    return tuple(phrasings), reached, gone


def _unanswered(
    rows: Sequence[Asked],
    still_open: Callable[[str, str | None], bool],
    vectors: Callable[[Sequence[str]], np.ndarray | None] | None,
) -> tuple[tuple[Group, ...], int]:
    by_key: dict[str, list[Asked]] = {}
    for row in rows:
        by_key.setdefault(query_key(row.question), []).append(row)
    # Most asked first, then most recent: the order groups are led in and shown.
    keys = sorted(by_key, key=lambda k: (-len(by_key[k]), -_last(by_key[k]).timestamp(), k))
    keys = keys[:MAX_GROUPED]
    wording = {k: _most_common(r.question.strip() for r in by_key[k]) for k in keys}
    unit = vectors([wording[k] for k in keys]) if vectors is not None and keys else None
    open_keys = [k for k in keys if still_open(wording[k], None)]
    now_answered = len(keys) - len(open_keys)
    if unit is not None:  # the rows of the wordings still open, in their order
        position = {k: i for i, k in enumerate(keys)}
        unit = unit[[position[k] for k in open_keys]]
    members = _cluster(open_keys, unit)
    groups = []
    for leader, keys_of_group in members:
        group_rows = [r for k in keys_of_group for r in by_key[k]]
        latest = max(group_rows, key=lambda r: r.at)
        groups.append(
            Group(
                question=wording[leader],
                variants=tuple(wording[k] for k in keys_of_group if k != leader),
                asked=len(group_rows),
                customers=len({r.customer_id for r in group_rows}),
                last=latest.at,
                top=latest.top,
                top_score=latest.top_score,
            )
        )
    groups.sort(key=lambda g: (-g.asked, -g.customers, -g.last.timestamp(), g.question))
    return tuple(groups), now_answered


def _cluster(keys: Sequence[str], unit: np.ndarray | None) -> list[tuple[str, list[str]]]:
    """Leader clustering in the given order: each wording joins the first group whose leader
    it is close enough to (by the rows of `unit`, sentence vectors; without, by character
    n-grams of the keys), else leads a group of its own."""
    if not keys:
        return []
    if unit is not None:
        unit = np.asarray(unit, dtype=np.float32)
        closeness, threshold = unit @ unit.T, SAME_MEANING
    else:
        tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
        grams = tfidf.fit_transform(keys)
        closeness, threshold = (grams @ grams.T).toarray().astype(np.float32), SAME_WORDS
    leaders: list[int] = []
    groups: list[tuple[str, list[str]]] = []
    for i, key in enumerate(keys):
        if leaders:
            to_leaders = closeness[i, leaders]
            best = int(np.argmax(to_leaders))
            if to_leaders[best] >= threshold:
                groups[best][1].append(key)
                continue
        leaders.append(i)
        groups.append((key, [key]))
    return groups


def _unhelpful(rows: Sequence[Asked]) -> tuple[Unhelpful, ...]:
    judged: dict[str, list[Asked]] = {}
    for row in rows:
        if row.shown is not None and row.helpful is not None:
            judged.setdefault(row.shown, []).append(row)
    found = []
    for article_id, verdicts in judged.items():
        said_no = sorted((r for r in verdicts if r.helpful is False), key=lambda r: r.at)
        if not said_no:
            continue
        questions = list(dict.fromkeys(r.question.strip() for r in reversed(said_no)))
        found.append(Unhelpful(article_id, len(said_no), len(verdicts), tuple(questions)))
    found.sort(key=lambda u: (-u.no, -u.no / u.verdicts, u.article_id))
    return tuple(found)


def _most_common(texts: Iterable[str]) -> str:
    """The wording used most; on a tie, the first seen."""
    return Counter(texts).most_common(1)[0][0]


def _last(rows: Sequence[Asked]) -> datetime:
    return max(r.at for r in rows)
