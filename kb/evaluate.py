"""Score a KB against labelled questions: ranking quality and the quality of the decision."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kb import texts
from kb.decision import Decision

# Kinds of question the project labels (kb/eval/*.jsonl, bench/): those the KB answers, and
# those it must not (out of scope, near misses, benchmark questions of articles left out).
ANSWERABLE_KINDS = frozenset({"paraphrase", "finglish", "layout", "typo", "arabic"})
UNANSWERABLE_KINDS = frozenset({"out_of_scope", "near_miss", "unseen"})
QUESTION_KEYS = ("question", "expected", "kind")


@dataclass(frozen=True, slots=True)
class LabelledQuestion:
    """A question and the article that answers it (None: the KB has no answer)."""

    question: str
    expected: str | None
    kind: str = "paraphrase"


@dataclass(slots=True)
class _Counts:
    total: int = 0
    top1: int = 0
    reciprocal_rank: float = 0.0
    answered: int = 0
    answered_right: int = 0
    suggested: int = 0
    suggested_right: int = 0
    handed_off: int = 0


@dataclass(slots=True)
class Report:
    """Figures over a question set; shares are in [0, 1]."""

    answerable: _Counts = field(default_factory=_Counts)
    unanswerable: _Counts = field(default_factory=_Counts)
    by_kind: dict[str, _Counts] = field(default_factory=lambda: defaultdict(_Counts))
    misses: list[tuple[LabelledQuestion, Decision]] = field(default_factory=list)

    def add(self, item: LabelledQuestion, decision: Decision) -> None:
        ids = [hit.article_id for hit in decision.hits]
        for counts in (self._bucket(item), self.by_kind[item.kind]):
            counts.total += 1
            if decision.kind == "answer":
                counts.answered += 1
            elif decision.kind == "suggest":
                counts.suggested += 1
            else:
                counts.handed_off += 1
            if item.expected is None:
                continue
            if ids[:1] == [item.expected]:
                counts.top1 += 1
            if item.expected in ids:
                counts.reciprocal_rank += 1.0 / (ids.index(item.expected) + 1)
            if decision.kind == "answer" and ids[:1] == [item.expected]:
                counts.answered_right += 1
            if decision.kind == "suggest" and item.expected in [
                c.article_id for c in decision.choices
            ]:
                counts.suggested_right += 1
        wrong_answer = decision.kind == "answer" and ids[:1] != [item.expected]
        if wrong_answer or (item.expected is not None and decision.kind == "handoff"):
            self.misses.append((item, decision))

    def _bucket(self, item: LabelledQuestion) -> _Counts:
        return self.unanswerable if item.expected is None else self.answerable

    # Shares, named as the issue and the README name them.
    @property
    def top1(self) -> float:
        return _share(self.answerable.top1, self.answerable.total)

    @property
    def mrr(self) -> float:
        return _share(self.answerable.reciprocal_rank, self.answerable.total)

    @property
    def coverage(self) -> float:
        """Share of answerable questions answered outright (rightly or not)."""
        return _share(self.answerable.answered, self.answerable.total)

    @property
    def precision(self) -> float:
        """Share of answered answerable questions that got the right article."""
        return _share(self.answerable.answered_right, self.answerable.answered)

    @property
    def handed_off(self) -> float:
        """Share of answerable questions handed to a person: neither answered nor offered."""
        return _share(self.answerable.handed_off, self.answerable.total)

    @property
    def suggest_recall(self) -> float:
        """How often the right article was among the choices offered for an answerable question."""
        return _share(self.answerable.suggested_right, self.answerable.suggested)

    def answered_share(self, kind: str) -> float:
        counts = self.by_kind.get(kind)
        return _share(counts.answered, counts.total) if counts else 0.0

    @property
    def unanswerable_answered(self) -> float:
        return _share(self.unanswerable.answered, self.unanswerable.total)

    def summary(self) -> dict[str, float | int]:
        figures: dict[str, float | int] = {
            "answerable": self.answerable.total,
            "unanswerable": self.unanswerable.total,
            "top1": self.top1,
            "mrr@5": self.mrr,
            "coverage": self.coverage,
            "precision": self.precision,
            "suggest_recall": self.suggest_recall,
            "handed_off": self.handed_off,
            "unanswerable_answered": self.unanswerable_answered,
        }
        for kind in sorted(self.by_kind):
            counts = self.by_kind[kind]
            figures[f"{kind}.n"] = counts.total
            figures[f"{kind}.answered"] = _share(counts.answered, counts.total)
            if kind in UNANSWERABLE_KINDS:  # offered articles instead of a person
                figures[f"{kind}.suggested"] = _share(counts.suggested, counts.total)
            elif counts.total:
                figures[f"{kind}.top1"] = _share(counts.top1, counts.total)
        return figures


def evaluate(decide: Callable[[str], Decision], questions: Iterable[LabelledQuestion]) -> Report:
    """Run every question through `decide` and collect the figures."""
    report = Report()
    for item in questions:
        report.add(item, decide(item.question))
    return report


def read_questions(path: Path) -> list[LabelledQuestion]:
    """Read a JSON-lines question file: {"question", "expected": id or null, "kind"} per line."""
    questions: list[LabelledQuestion] = []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(texts.EVAL_UNREADABLE.format(path=path, reason=exc.strerror)) from None
    try:
        text = raw.decode("utf-8-sig")  # Notepad's BOM is not part of the first question
    except UnicodeDecodeError as exc:
        bad_line = raw[: exc.start].count(b"\n") + 1
        raise ValueError(texts.EVAL_NOT_UTF8.format(path=path, line=bad_line)) from None
    # JSON lines end at "\n" alone: str.splitlines() would also cut at U+2028, U+2029 and
    # U+0085, which json.dumps(..., ensure_ascii=False) leaves inside a question as they are.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        questions.append(_labelled(_json_object(line, path, number), path, number))
    if not questions:  # every figure would be 0 and every limit met: a truncated file passing CI
        raise ValueError(texts.EVAL_EMPTY.format(path=path))
    return questions


# Python's JSON errors, by how they begin, as an editor would fix them (the English follows).
_JSON_PROBLEMS = (
    ("Expecting property name", texts.EVAL_JSON_KEY_QUOTES),
    ("Expecting value", texts.EVAL_JSON_NO_VALUE),
    ("Unterminated string", texts.EVAL_JSON_UNCLOSED_QUOTE),
    ("Extra data", texts.EVAL_JSON_EXTRA),
    ("Expecting ','", texts.EVAL_JSON_DELIMITER),
    ("Expecting ':'", texts.EVAL_JSON_DELIMITER),
    ("Invalid control character", texts.EVAL_JSON_CONTROL),
)


def _json_object(line: str, path: Path, number: int) -> dict[str, object]:
    """One line's JSON object; a line that is not one is refused in Persian, with the line."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        what = next((fix for start, fix in _JSON_PROBLEMS if exc.msg.startswith(start)), None)
        detail = texts.EVAL_NOT_JSON.format(
            column=texts.fa_number(exc.colno), what=what or texts.EVAL_JSON_OTHER, problem=exc.msg
        )
        raise ValueError(
            texts.EVAL_NOT_A_LINE.format(path=path, line=number, detail=detail)
        ) from None
    if not isinstance(data, dict):  # a list, a bare text or number: data["question"] fails
        detail = texts.EVAL_NOT_AN_OBJECT
        raise ValueError(texts.EVAL_NOT_A_LINE.format(path=path, line=number, detail=detail))
    return data


def _labelled(data: dict[str, object], path: Path, number: int) -> LabelledQuestion:
    """One line's question, checked: a misspelt key or kind must not quietly turn an answerable
    question into an unanswerable one, or start a kind of its own."""

    def refuse(message: str, **values: object) -> ValueError:
        return ValueError(message.format(path=path, line=number, **values))

    if "question" not in data:
        detail = texts.EVAL_NO_QUESTION
        raise ValueError(texts.EVAL_NOT_A_LINE.format(path=path, line=number, detail=detail))

    for key in data:
        if key not in QUESTION_KEYS:
            keys = "، ".join(QUESTION_KEYS)
            raise refuse(texts.EVAL_UNKNOWN_KEY, key=key, allowed=keys)
    if "expected" not in data:  # null is an answer ("none"); a missing key is a slip
        raise refuse(texts.EVAL_NO_EXPECTED)
    question, expected = data["question"], data["expected"]
    if not isinstance(question, str) or not (expected is None or isinstance(expected, str)):
        raise refuse(texts.EVAL_BAD_TYPES)
    if expected is not None and not expected.strip():  # «none» is null; this names no article
        raise refuse(texts.EVAL_EMPTY_EXPECTED)
    kind = data.get("kind")
    if kind is None:
        kind = "paraphrase" if expected is not None else "out_of_scope"
    if not isinstance(kind, str) or kind not in ANSWERABLE_KINDS | UNANSWERABLE_KINDS:
        known = "، ".join([*sorted(ANSWERABLE_KINDS), *sorted(UNANSWERABLE_KINDS)])
        raise refuse(texts.EVAL_UNKNOWN_KIND, kind=kind, allowed=known)
    if kind in UNANSWERABLE_KINDS and expected is not None:
        raise refuse(texts.EVAL_UNANSWERABLE_WITH_ID, kind=kind, expected=expected)
    if kind in ANSWERABLE_KINDS and expected is None:
        raise refuse(texts.EVAL_ANSWERABLE_WITHOUT_ID, kind=kind)
    return LabelledQuestion(question, expected, kind)


def unknown_ids(questions: Sequence[LabelledQuestion], known: Iterable[str]) -> list[str]:
    """Expected ids that no article has: a typo in the question file, or a deleted article."""
    have = set(known)
    return sorted(
        {q.expected for q in questions if q.expected is not None and q.expected not in have}
    )


def _share(part: float, whole: int) -> float:
    return part / whole if whole else 0.0
