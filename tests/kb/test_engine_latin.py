"""Latin-script questions: the engine ranks their Persian readings and keeps the best one."""

from __future__ import annotations

from pathlib import Path

import pytest

import kb.latin
import kb.normalize
from kb.engine import Engine, _better
from kb.evaluate import read_questions
from kb.latin import finglish_to_persian, layout_to_persian, persian_candidates, persian_readings

ROOT = Path(__file__).resolve().parents[2]
LATIN_KINDS = ("layout", "finglish")


def latin_questions() -> list[tuple[str, str | None, str]]:
    questions = read_questions(ROOT / "kb" / "eval" / "questions.jsonl")
    return [(q.question, q.expected, q.kind) for q in questions if q.kind in LATIN_KINDS]


def exhaustive(engine: Engine, text: str) -> set[str]:
    """Every assessment's text that is as confident as the best (ranking everything)."""
    readings = persian_candidates(text, engine.index.vocabulary_)
    assessments = [engine._assess_one(reading) for reading in readings]
    assessments.append(engine._assess_one(text))
    top = max(a.confidence for a in assessments)
    return {a.text for a in assessments if a.confidence == top}


def test_sample_kb_has_latin_questions_of_both_kinds() -> None:
    kinds = {kind for _, _, kind in latin_questions()}
    assert kinds == set(LATIN_KINDS)


@pytest.mark.parametrize(("question", "expected", "kind"), latin_questions())
def test_latin_question_is_ranked_by_its_reading_of_its_own_kind(
    engine: Engine, question: str, expected: str | None, kind: str
) -> None:
    assessment = engine.assess_lexically(question)
    if kind == "layout":
        reading = layout_to_persian(question)
    else:
        reading = finglish_to_persian(question, engine.index.vocabulary_)
    assert assessment.text == " ".join(reading.split())
    top = assessment.ranking.candidates[0]
    assert engine.index.articles_[top.index].id == expected


@pytest.mark.parametrize(("question", "expected", "kind"), latin_questions())
def test_stopping_early_keeps_the_most_confident_reading(
    engine: Engine, question: str, expected: str | None, kind: str
) -> None:
    # Stopping at the first reading that reaches the suggest score must not lose a reading
    # that ranking every one would have preferred, on these questions.
    assert engine.assess_lexically(question).text in exhaustive(engine, question)


@pytest.mark.parametrize(
    "text",
    [
        "salam, pardakht anjam nashod",
        "vlc uf,vl vh tvhl,a ;vniBhl",
        "how do I reset my password",
        "file am upload nemishe",
        "vpn",
        "2ta file 3 bar 😀 upload nashod!!!",
        "qwrtp zxcvb",
        "ok",
    ],
)
def test_lazy_readings_come_in_the_order_of_the_candidates(text: str) -> None:
    vocabulary = frozenset({"رمز", "عبورم", "را", "فراموش", "کرده", "ام", "پرداخت", "vpn"})
    vocab = kb.latin._vocabulary(vocabulary)
    readings: list[str] = []
    for reading in (layout_to_persian(text), finglish_to_persian(text, vocabulary)):
        reading = " ".join(reading.split())
        if reading and kb.normalize.has_persian(reading) and reading not in readings:
            readings.append(reading)
    expected = sorted(readings, key=lambda r: -kb.latin._coverage(r, vocab))
    assert list(persian_readings(text, vocabulary)) == expected


def test_layout_reading_of_known_words_comes_without_spelling_finglish(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(*_: object) -> str:
        raise AssertionError("Finglish was spelled before it was asked for")

    monkeypatch.setattr(kb.latin, "finglish_to_persian", fail)
    vocabulary = frozenset({"رمز", "عبورم", "را", "فراموش", "کرده", "ام"})
    readings = persian_readings("vlc uf,vl vh tvhl,a ;vniBhl", vocabulary)
    assert next(readings) == "رمز عبورم را فراموش کرده\u200cام"
    with pytest.raises(AssertionError):
        next(readings)


def test_a_tie_keeps_the_assessment_found_first(engine: Engine) -> None:
    first = engine._assess_one("رمز عبورم را فراموش کرده ام")
    second = engine._assess_one("رمز عبورم را فراموش کرده ام")
    assert _better(first, second) is first


@pytest.mark.parametrize("suggest", [0.05, 0.95])
def test_where_choices_start_does_not_change_how_latin_is_read(
    engine: Engine, suggest: float
) -> None:
    # An operator's KB_SUGGEST_THRESHOLD (or a retune) moves where choices are offered; the
    # Persian reading a Latin-typed question is ranked by must stay the one it was.
    moved = Engine(engine.index, engine.model.with_thresholds(suggest=suggest))
    for question, _, _ in latin_questions():
        assert moved.assess_lexically(question).text == engine.assess_lexically(question).text


@pytest.mark.parametrize(
    ("question", "expected"),
    [("vpn", "vpn-remote-access"), ("pdf", "report-export-pdf"), ("excel", "report-export-excel")],
)
def test_a_latin_word_the_kb_itself_uses_is_matched_as_typed(
    engine: Engine, question: str, expected: str
) -> None:
    decision = engine.decide(question)
    assert decision.top is not None and decision.top.article_id == expected
