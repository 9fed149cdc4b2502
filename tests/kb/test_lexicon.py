"""Everyday vocabulary reaches the words articles use."""

from __future__ import annotations

from pathlib import Path

from kb.lexicon import expand, without_courtesy
from kb.normalize import normalize
from kb.service import KnowledgeBase


def test_loanwords_gain_the_article_words() -> None:
    key = expand(normalize("پسوردم رو ریست کنم"))
    assert "رمز عبورم" in key and "بازنشانی" in key


def test_colloquial_verbs_gain_their_written_forms() -> None:
    assert "نمی شود" in expand(normalize("فایل آپلود نمیشه"))


def test_courtesy_is_dropped_but_a_bare_greeting_survives() -> None:
    assert expand(normalize("سلام وقت بخیر، حسابم قفل شده")).split()[:3] == ["حسابم", "قفل", "شده"]
    assert expand(normalize("سلام")) == "سلام"


def test_everyday_greetings_are_dropped_with_their_suffixes() -> None:
    for greeting in ("سلام وقتتون بخیر", "سلام، وقت‌تون بخیر", "با سلام و احترام", "عرض ادب"):
        assert without_courtesy(normalize(f"{greeting}، حسابم قفل شده")) == "حسابم قفل شده"


def test_loanword_question_reaches_the_formal_article(sample_kb: Path) -> None:
    decision = KnowledgeBase(sample_kb).ask("سلام خسته نباشید، اکانتم لاک شده")
    assert decision.kind != "handoff"
    assert decision.top is not None and decision.top.article_id == "account-locked"
