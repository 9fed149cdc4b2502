"""Semantic matching: the vector store, the semantic index and the blended decision.

Most tests use a small bag-of-words encoder written here (deterministic, instant); the tests
marked at the end run the bundled e5 model on the shipped sample KB.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import kb.semantic
import kb.service
from kb.article import Article
from kb.confidence import ConfidenceModel, Fusion, PairModel, pair_features
from kb.engine import Engine
from kb.index import KBIndex
from kb.semantic import (
    BATCH,
    REFRESH_SECONDS,
    UNUSED_DAYS,
    E5Encoder,
    EmbeddingStore,
    SemanticIndex,
    embedding_text,
)
from kb.service import KnowledgeBase
from kb.settings import KBSettings
from tests.kb.conftest import SAMPLE, WriteArticle, article_text
from tests.kb.encoders import WordsEncoder

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_KB = ROOT / "kb" / "articles"


def test_vectors_survive_a_restart_so_only_new_phrasings_are_encoded(tmp_path: Path) -> None:
    path = tmp_path / "data" / "vectors.sqlite3"
    first = WordsEncoder()
    before = EmbeddingStore(path).vectors(first, ["رمز عبور", "گزارش ماهانه"])
    assert first.encoded == ["رمز عبور", "گزارش ماهانه"]

    second = WordsEncoder()
    after = EmbeddingStore(path).vectors(second, ["گزارش ماهانه", "رمز عبور", "ورود دومرحله"])
    assert second.encoded == ["ورود دومرحله"]
    np.testing.assert_array_equal(after[0], before[1])
    np.testing.assert_array_equal(after[1], before[0])


class FailingEncoder(WordsEncoder):
    """Encodes `batches` batches, then fails like a process stopped midway."""

    def __init__(self, batches: int) -> None:
        super().__init__()
        self.batches = batches

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self.batches == 0:
            raise RuntimeError("stopped")
        self.batches -= 1
        return super().encode(texts)


def test_vectors_encoded_before_a_failure_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "vectors.sqlite3"
    texts = [f"پرسش شمارهٔ {n}" for n in range(2 * BATCH + 5)]
    with pytest.raises(RuntimeError):
        EmbeddingStore(path).vectors(FailingEncoder(batches=2), texts)
    again = WordsEncoder()
    EmbeddingStore(path).vectors(again, texts)
    assert again.encoded == texts[2 * BATCH :]  # only what the failure cut off


def test_an_unwritable_cache_keeps_vectors_in_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    encoder = WordsEncoder()
    with caplog.at_level(logging.WARNING):
        store = EmbeddingStore(blocker / "vectors.sqlite3")
    vectors = store.vectors(encoder, ["رمز عبور", "رمز عبور"])
    assert vectors.shape == (2, encoder.dim)
    assert "vectors stay in memory" in caplog.text
    store.vectors(encoder, ["رمز عبور"])
    assert encoder.encoded == ["رمز عبور"]  # encoded once, then served from memory


def test_an_article_scores_its_closest_phrasing() -> None:
    articles = [
        Article(id="a", title="رمز عبور", body="x", questions=("ورود به حساب",)),
        Article(id="emoji", title="🙂", body="x"),
        Article(id="b", title="گزارش ماهانه", body="x"),
    ]
    index = SemanticIndex(articles, WordsEncoder(), EmbeddingStore())
    scores = index.similarities("ورود به حساب")
    assert scores is not None
    assert scores[0] == pytest.approx(1.0)
    assert scores[1] == -1.0  # nothing to encode: never matched
    assert scores[2] < 0.5
    assert index.similarities("🙂 !!") is None


def test_the_confidence_reads_the_top_articles_lead_in_meaning_over_the_next() -> None:
    articles = [
        Article(id="reset", title="رمز عبور فراموش شده", body="x"),
        Article(id="change", title="تغییر رمز عبور حساب", body="x"),
        Article(id="report", title="گزارش ماهانه فروش", body="x"),
    ]
    encoder = WordsEncoder()
    engine = _by_meaning(articles, encoder)
    question = "رمز عبور فراموش شده حساب"
    ranking = engine.assess(question).ranking
    vectors = encoder.encode([embedding_text(question), *(a.title for a in articles)])
    cosines = {a.id: float(vectors[0] @ v) for a, v in zip(articles, vectors[1:], strict=True)}
    top = articles[ranking.candidates[0].index].id
    assert top == "reset"
    lead = cosines["reset"] - max(c for article, c in cosines.items() if article != top)
    assert lead > 0.05
    assert ranking.dense_margin == pytest.approx(lead, abs=1e-5)


def test_an_article_without_a_body_gets_no_credit_for_one() -> None:
    # A KB of bare questions (no answers written yet, or imported FAQ titles) ranks by them alone.
    articles = [
        Article(id="bare", title="رمز عبور فراموش شده", body=""),
        Article(id="report", title="گزارش ماهانه", body="گزارش ماهانه را از منوی گزارش‌ها بگیرید"),
    ]
    engine = _by_meaning(articles, WordsEncoder())
    assert engine.semantic_model is not None and engine.semantic_model.fusion.body > 0
    candidates = engine.assess("رمز عبور را فراموش کردم").ranking.candidates
    bare = next(c for c in candidates if articles[c.index].id == "bare")
    assert bare.body == 0.0


def _by_meaning(articles: list[Article], encoder: WordsEncoder) -> Engine:
    """An engine over `articles` with the shipped model, matching by words and meaning."""
    model = ConfidenceModel.load()
    semantic = SemanticIndex(articles, encoder, EmbeddingStore())
    return Engine(KBIndex(articles, model.weights), model, semantic)


def test_arabic_letters_and_half_spaces_get_the_vector_of_the_persian_spelling() -> None:
    assert embedding_text("مي‌خواهم رمزم را عوض كنم") == embedding_text("می خواهم رمزم را عوض کنم")


def test_without_a_semantic_model_the_kb_matches_by_words(sample_kb: Path) -> None:
    lexical_only = replace(ConfidenceModel.load(), semantic=None)
    kb = KnowledgeBase(sample_kb, lexical_only, encoder=WordsEncoder())
    assert not kb.semantic
    assert kb.ask("رمز عبورم را فراموش کردم").kind == "answer"


def test_kb_semantic_off_in_the_settings_matches_by_words(
    sample_kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KB_SEMANTIC", "false")
    assert not KBSettings().knowledge_base(sample_kb).semantic


@pytest.mark.parametrize(("setting", "kind"), [("1.0", "suggest"), ("0.0", "answer")])
def test_the_answer_threshold_setting_holds_when_matching_by_meaning(
    sample_kb: Path, monkeypatch: pytest.MonkeyPatch, setting: str, kind: str
) -> None:
    monkeypatch.setenv("KB_ANSWER_THRESHOLD", setting)
    monkeypatch.setenv("KB_SUGGEST_THRESHOLD", "0.0")
    kb = KnowledgeBase(sample_kb, KBSettings().confidence_model(), encoder=WordsEncoder())
    assert kb.semantic
    decision = kb.ask("یادم نیست رمز ورودم چی بود")
    assert decision.kind == kind and 0.0 < decision.confidence < 1.0


def test_a_question_worded_as_a_phrasing_is_answered_without_encoding_it(sample_kb: Path) -> None:
    encoder = WordsEncoder()
    kb = KnowledgeBase(sample_kb, encoder=encoder)
    encoded_for_articles = len(encoder.encoded)
    decision = kb.ask("رمز عبورم یادم رفته چه کنم")
    assert decision.kind == "answer" and decision.top is not None
    assert decision.top.article_id == "password-reset"
    assert decision.confidence == 1.0  # certain, and a probability (each decision is logged)
    assert len(encoder.encoded) == encoded_for_articles


def _word_dimension(word: str) -> int:
    return int(WordsEncoder().encode([word])[0].argmax())


def _judged_by(favoured: str, encoder_name: str = WordsEncoder.name) -> ConfidenceModel:
    """The shipped model, ranking by words and by a pair model that trusts only phrasings
    sharing the word `favoured` with the question (the sentence cosine is left out)."""
    model = ConfidenceModel.load()
    assert model.semantic is not None
    coef = np.zeros(2 * WordsEncoder.dim, dtype=np.float32)
    coef[_word_dimension(favoured)] = 80.0
    pair = PairModel(encoder_name, coef, intercept=-8.0, neutral=-8.0)
    semantic = replace(model.semantic, fusion=Fusion(semantic=0.0, pair=0.6), pair=pair)
    return replace(model, semantic=semantic)


@pytest.fixture
def two_close_articles(write_article: WriteArticle, tmp_path: Path) -> Path:
    assert _word_dimension("پیامک") != _word_dimension("ایمیل")
    write_article("sms-code", "کد تایید پیامک", questions=["کد تایید با پیامک"])
    write_article("email-code", "کد تایید ایمیل", questions=["کد تایید با ایمیل"])
    return tmp_path / "kb"


def test_the_pair_model_picks_between_articles_the_words_cannot_tell_apart(
    two_close_articles: Path,
) -> None:
    question = "کد تایید نه با پیامک میاد نه با ایمیل"
    for favoured, expected in (("پیامک", "sms-code"), ("ایمیل", "email-code")):
        kb = KnowledgeBase(two_close_articles, _judged_by(favoured), encoder=WordsEncoder())
        top = kb.ask(question).hits[0]
        assert top.article_id == expected, favoured


def test_a_pair_model_fitted_on_another_encoder_is_not_used(two_close_articles: Path) -> None:
    question = "کد تایید نه با پیامک میاد نه با ایمیل"
    tops = {
        KnowledgeBase(
            two_close_articles, _judged_by(favoured, "another-encoder"), encoder=WordsEncoder()
        )
        .ask(question)
        .hits[0]
        .article_id
        for favoured in ("پیامک", "ایمیل")
    }
    assert len(tops) == 1  # the same ranking whichever word the foreign pair model favours


def test_a_pair_model_for_other_sized_vectors_is_not_used(
    two_close_articles: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model = _judged_by("پیامک")
    assert model.semantic is not None and isinstance(model.semantic.pair, PairModel)
    half = replace(model.semantic.pair, coef=model.semantic.pair.coef[: WordsEncoder.dim])
    model = replace(model, semantic=replace(model.semantic, pair=half))
    with caplog.at_level(logging.WARNING):
        kb = KnowledgeBase(two_close_articles, model, encoder=WordsEncoder())
    assert kb.ask("کد تایید نه با پیامک میاد نه با ایمیل").kind in ("answer", "suggest", "handoff")
    assert "pair model judges 32-dimensional vectors" in caplog.text


def test_the_pair_model_reads_the_rows_bench_tune_fits_it_on() -> None:
    rng = np.random.default_rng(7)
    query = rng.normal(size=8).astype(np.float32)
    phrasings = rng.normal(size=(3, 8)).astype(np.float32)
    model = PairModel("e", rng.normal(size=16).astype(np.float32), 0.5, 0.0)
    fitted_rows = pair_features(query, phrasings)
    np.testing.assert_allclose(
        model.logits(query, phrasings), fitted_rows @ model.coef + 0.5, rtol=1e-5
    )


@pytest.mark.parametrize(
    ("coef", "weights"), [([0.5, 0.25, 0.125], 3), ([], 0), ([[0.5, 0.25], [0.1, 0.2]], 2)]
)
def test_a_malformed_pair_model_in_model_json_is_reported_with_the_file(
    tmp_path: Path, coef: list[object], weights: int
) -> None:
    shipped = json.loads((ROOT / "kb" / "model.json").read_text(encoding="utf-8"))
    shipped["semantic"]["pair"]["coef"] = coef
    path = tmp_path / "model.json"
    path.write_text(json.dumps(shipped), encoding="utf-8")
    with pytest.raises(ValueError, match=rf"model\.json: pair model: {weights} weights"):
        ConfidenceModel.load(path)


def test_sentence_cosines_from_the_floor_up_are_spread_over_the_whole_score() -> None:
    fusion = Fusion(floor=0.8)
    assert fusion.similarity(0.8) == 0.0 and fusion.similarity(0.5) == 0.0  # unrelated
    assert fusion.similarity(0.9) == pytest.approx(0.5)
    assert fusion.similarity(1.0) == 1.0


@pytest.fixture
def same_question_two_answers(write_article: WriteArticle, tmp_path: Path) -> Path:
    # Word for word the same phrasing; only the answers tell what each article is about.
    write_article("a-size", "مشکل فایل", "حجم هر فایل حداکثر بیست مگابایت است.")
    write_article("b-format", "مشکل فایل", "پسوند فایل باید pdf یا docx باشد.")
    return tmp_path / "kb"


def _body_credit(weight: float) -> ConfidenceModel:
    """The shipped model with no lexical body signal, so only the body's vector can count."""
    model = ConfidenceModel.load()
    assert model.semantic is not None
    fusion = replace(model.semantic.fusion, pair=0.0, body=weight, body_floor=0.0)
    semantic = replace(model.semantic, fusion=fusion)
    return replace(model, weights=replace(model.weights, body=0.0), semantic=semantic)


def test_an_answer_close_in_meaning_to_the_question_ranks_its_article_first(
    same_question_two_answers: Path,
) -> None:
    question = "مشکل فایل با پسوند docx"
    kb_dir = same_question_two_answers
    with_bodies = KnowledgeBase(kb_dir, _body_credit(0.3), encoder=WordsEncoder())
    assert with_bodies.ask(question).hits[0].article_id == "b-format"
    without = KnowledgeBase(kb_dir, _body_credit(0.0), encoder=WordsEncoder())
    assert without.ask(question).hits[0].article_id == "a-size"  # a tie, broken by file order


def test_bodies_are_encoded_as_passages_and_kept_with_the_phrasings(tmp_path: Path) -> None:
    path = tmp_path / "vectors.sqlite3"
    articles = [Article(id="a", title="رمز عبور", body="از صفحه ورود روی فراموشی رمز بزنید")]
    SemanticIndex(articles, WordsEncoder(), EmbeddingStore(path))
    again = WordsEncoder()
    index = SemanticIndex(articles, again, EmbeddingStore(path))
    assert again.encoded == []  # a restart encodes neither the phrasing nor the body again
    related, unrelated = WordsEncoder().encode(["فراموشی رمز", "گزارش ماهانه"])
    assert index.body_cosines(related, [0])[0] > index.body_cosines(unrelated, [0])[0] + 0.3


def test_the_vectors_of_edited_texts_are_not_held_for_ever(tmp_path: Path) -> None:
    # An article edited 500 times (an automated sync, say) left 500 vectors of wordings no
    # longer served in memory: about 2 KB an edit, for as long as the process ran.
    store = EmbeddingStore(tmp_path / "vectors.sqlite3")
    encoder = WordsEncoder()
    for edit in range(20):
        body = f"از صفحه ورود روی فراموشی رمز بزنید، نسخه {edit}"
        SemanticIndex([Article(id="a", title="رمز عبور", body=body)], encoder, store)

    assert store.held() == 2  # the title's vector and the body's, as served now
    assert encoder.encoded.count("رمز عبور") == 1  # the one served is kept, never encoded again


# --- the cache file keeps what was used within a month ----------------------------------------


class _Clock:
    """Stands in for the `time` module in kb.semantic: the time moves when a test moves it."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now - 1_700_000_000.0  # another origin, the same pace

    def pass_days(self, days: float) -> None:
        self.now += days * 86400


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    clock = _Clock()
    monkeypatch.setattr(kb.semantic, "time", clock)
    return clock


def _rows(path: Path) -> int:
    """How many vectors the cache file holds."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        return int(db.execute("SELECT count(*) FROM embeddings").fetchone()[0])


def _edit_password_reset(write_article: WriteArticle, version: int | None) -> str:
    """Rewrite the sample KB's first article with its first question reworded (`version`), or
    as it was (None); the question as written."""
    article_id, title, questions, body = SAMPLE[0]
    first = questions[0] if version is None else f"{questions[0]}، نسخهٔ {version}"
    write_article(article_id, title, body, folder="account", questions=[first, *questions[1:]])
    return first


def _draft(tmp_path: Path, version: int = 1) -> Path:
    """A one-article KB in a folder of its own (an editor's draft), at `version`."""
    path = tmp_path / "draft"
    path.mkdir(exist_ok=True)
    text = article_text("vpn", "اتصال به وی پی ان", "متن پاسخ.", [f"وی پی ان وصل نمی‌شود {version}"])
    (path / "vpn.md").write_text(text, encoding="utf-8")
    return path


def _earlier_file(path: Path, rows: Sequence[tuple[bytes, bytes]]) -> None:
    """A cache file as versions before the dated rows wrote it: one table, unstamped."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS embeddings (key BLOB PRIMARY KEY, vector BLOB NOT NULL)"
        )
        db.executemany("INSERT INTO embeddings (key, vector) VALUES (?, ?)", rows)
        db.commit()


def _vectors_of(kb_dir: Path, tmp_path: Path) -> list[tuple[bytes, bytes]]:
    """The rows a cache file holds once `kb_dir` is served."""
    path = tmp_path / "scratch-vectors.sqlite3"
    KnowledgeBase(kb_dir, encoder=WordsEncoder(), store=EmbeddingStore(path))
    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT key, vector FROM embeddings").fetchall()
    path.unlink()
    return rows


def test_an_article_edited_daily_leaves_a_month_of_its_wordings_in_the_cache_file(
    sample_kb: Path, write_article: WriteArticle, tmp_path: Path, clock: _Clock
) -> None:
    # Each edit of a wording left its vector in the file for ever: about 2 KB an edit.
    path = tmp_path / "vectors.sqlite3"
    bot = KnowledgeBase(sample_kb, encoder=WordsEncoder(), store=EmbeddingStore(path))
    served = _rows(path)
    sizes = []
    for version in range(90):
        clock.pass_days(1)
        _edit_password_reset(write_article, version)
        assert bot.reload(force=True)
        sizes.append(path.stat().st_size)
    # What is served, a month of edits, and the week until the next look deletes one.
    assert _rows(path) <= served + UNUSED_DAYS + REFRESH_SECONDS // 86400 + 1
    assert sizes[-1] == sizes[UNUSED_DAYS + 10]  # the file stopped growing

    encoder = WordsEncoder()
    restarted = KnowledgeBase(sample_kb, encoder=encoder, store=EmbeddingStore(path))
    assert encoder.encoded == []  # a restart encodes nothing served
    undone = _edit_password_reset(write_article, 80)  # back to the wording of ten days ago
    assert restarted.reload(force=True)
    assert encoder.encoded == []
    decision = restarted.ask(undone)
    assert decision.top is not None and decision.top.article_id == "password-reset"


@pytest.mark.usefixtures("encode_before_serving")
def test_a_kb_folder_emptied_for_days_then_restored_encodes_nothing(
    tmp_path: Path, clock: _Clock
) -> None:
    kb_dir = tmp_path / "articles"
    shutil.copytree(SAMPLE_KB, kb_dir)  # the shipped KB: 57 articles, 399 texts
    path = tmp_path / "vectors.sqlite3"
    encoder = WordsEncoder()
    bot = KnowledgeBase(kb_dir, encoder=encoder, store=EmbeddingStore(path), serve_first=True)
    assert bot.reload() and bot.semantic
    # A deploy, or `git checkout` of a branch without most articles: every folder but one is
    # gone for three days, then back.
    aside = tmp_path / "aside"
    aside.mkdir()
    for folder in sorted(p for p in kb_dir.iterdir() if p.is_dir())[1:]:
        shutil.move(folder, aside / folder.name)
    for _ in range(3):
        clock.pass_days(1)
        bot.reload()
    assert 0 < len(bot) < 20
    for folder in aside.iterdir():
        shutil.move(folder, kb_dir / folder.name)
    encoder.encoded.clear()

    assert bot.reload()
    assert len(bot) == 57 and bot.semantic and not bot.encoding_deferred  # by meaning at once
    assert encoder.encoded == []


def test_an_upgraded_cache_file_keeps_the_bots_vectors_when_another_folder_is_built_first(
    sample_kb: Path, tmp_path: Path, clock: _Clock
) -> None:
    path = tmp_path / "vectors.sqlite3"
    bots = _vectors_of(sample_kb, tmp_path)
    stale = [(os.urandom(16), bytes(4 * WordsEncoder.dim)) for _ in range(1000)]
    _earlier_file(path, [*bots, *stale])  # the previous release's file: the bot's, edits'

    # After the upgrade, `python -m kb ask --kb-dir draft …` is the first to open the file.
    KnowledgeBase(_draft(tmp_path), encoder=WordsEncoder(), store=EmbeddingStore(path))
    clock.pass_days(10)
    encoder = WordsEncoder()
    bot = KnowledgeBase(sample_kb, encoder=encoder, store=EmbeddingStore(path))
    assert encoder.encoded == []  # the bot's vectors of the previous release serve

    for _ in range(40):  # the bot runs on; nobody asks about the draft or the stale wordings
        clock.pass_days(1)
        bot.reload()
    assert _rows(path) == len(bots)
    encoder = WordsEncoder()
    KnowledgeBase(sample_kb, encoder=encoder, store=EmbeddingStore(path))
    assert encoder.encoded == []


def _extra_column(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE embeddings (key BLOB PRIMARY KEY, vector BLOB NOT NULL, doc TEXT)")


def _extra_table(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE embeddings (key BLOB PRIMARY KEY, vector BLOB NOT NULL)")
    db.execute("CREATE TABLE documents (id INTEGER PRIMARY KEY, title TEXT)")


def _stamped_by_another_program(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE embeddings (key BLOB PRIMARY KEY, vector BLOB NOT NULL)")
    db.execute("PRAGMA application_id = 42")


@pytest.mark.parametrize(
    "layout",
    [_extra_column, _extra_table, _stamped_by_another_program],
    ids=["extra-column", "extra-table", "other-stamp"],
)
def test_a_cache_path_at_another_programs_file_leaves_it_untouched(
    layout: Callable[[sqlite3.Connection], None],
    sample_kb: Path,
    tmp_path: Path,
    clock: _Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = tmp_path / "notes.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as db:
        layout(db)
        rows = [(bytes([n]), b"v") for n in range(100)]
        db.executemany("INSERT INTO embeddings (key, vector) VALUES (?, ?)", rows)
        db.commit()
    before = path.read_bytes()

    encoder = WordsEncoder()
    with caplog.at_level(logging.WARNING):
        bot = KnowledgeBase(sample_kb, encoder=encoder, store=EmbeddingStore(path))
        for _ in range(40):
            clock.pass_days(1)
            bot.reload(force=True)
    assert path.read_bytes() == before
    assert bot.semantic and len(set(encoder.encoded)) == len(encoder.encoded)  # kept in memory
    assert caplog.text.count("is left as it is") == 1


def test_a_running_kb_keeps_its_vectors_on_disk_while_a_draft_asked_once_loses_its_own(
    sample_kb: Path, tmp_path: Path, clock: _Clock
) -> None:
    path = tmp_path / "vectors.sqlite3"
    bot = KnowledgeBase(sample_kb, encoder=WordsEncoder(), store=EmbeddingStore(path))
    served = _rows(path)
    KnowledgeBase(_draft(tmp_path), encoder=WordsEncoder(), store=EmbeddingStore(path))
    assert _rows(path) == served + 3  # the draft's title, question and body

    for _ in range(45):  # the bot runs on, no article edited
        clock.pass_days(1)
        assert not bot.reload()
    assert _rows(path) == served  # the draft's vectors are gone, the bot's kept
    encoder = WordsEncoder()
    KnowledgeBase(sample_kb, encoder=encoder, store=EmbeddingStore(path))
    assert encoder.encoded == []


def test_a_kb_run_on_another_folder_deletes_nothing_the_bot_serves(
    sample_kb: Path, tmp_path: Path, clock: _Clock
) -> None:
    # The bot could not mark what it serves (stopped for a while, or its file read-only to it):
    # a `python -m kb` run on a draft deleted the bot's vectors, and every start of the bot
    # then encoded the whole KB again.
    path = tmp_path / "vectors.sqlite3"
    KnowledgeBase(sample_kb, encoder=WordsEncoder(), store=EmbeddingStore(path))
    served = _rows(path)
    clock.pass_days(UNUSED_DAYS + 10)
    KnowledgeBase(_draft(tmp_path), encoder=WordsEncoder(), store=EmbeddingStore(path))
    assert _rows(path) == served + 3
    encoder = WordsEncoder()
    KnowledgeBase(sample_kb, encoder=encoder, store=EmbeddingStore(path))
    assert encoder.encoded == []


def test_the_release_before_still_stores_vectors_in_a_file_this_one_made(tmp_path: Path) -> None:
    # A rollback: the release before writes rows without `used`, which a new file required
    # (INSERT OR IGNORE skipped them silently: each start encoded the edited wordings again).
    path = tmp_path / "vectors.sqlite3"
    EmbeddingStore(path)
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("INSERT OR IGNORE INTO embeddings (key, vector) VALUES (?, ?)", (b"k", b"v"))
        db.commit()
    assert _rows(path) == 1


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


class _FullDisk(sqlite3.Connection):
    """A connection to a file on a full disk: reads work, every write fails as SQLite says."""

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        if not sql.lstrip().upper().startswith(("SELECT", "PRAGMA")):
            raise sqlite3.OperationalError("database or disk is full")
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        raise sqlite3.OperationalError("database or disk is full")


def _on_a_full_disk(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, check_same_thread=False, factory=_FullDisk)


@pytest.mark.parametrize("earlier", [False, True], ids=["this-version", "earlier-version"])
@pytest.mark.parametrize("connect", [_read_only, _on_a_full_disk], ids=["read-only", "full"])
def test_a_cache_file_that_cannot_be_written_still_serves(
    connect: Callable[[Path], sqlite3.Connection],
    earlier: bool,
    sample_kb: Path,
    write_article: WriteArticle,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = tmp_path / "vectors.sqlite3"
    if earlier:
        _earlier_file(path, _vectors_of(sample_kb, tmp_path))
    else:
        KnowledgeBase(sample_kb, encoder=WordsEncoder(), store=EmbeddingStore(path))
    monkeypatch.setattr(kb.semantic, "_connect", connect)
    encoder = WordsEncoder()
    with caplog.at_level(logging.WARNING):
        bot = KnowledgeBase(sample_kb, encoder=encoder, store=EmbeddingStore(path))
        assert encoder.encoded == []  # the vectors on the file serve
        edited = _edit_password_reset(write_article, 1)
        assert bot.reload(force=True) and bot.semantic
        decision = bot.ask(edited)
        assert decision.top is not None and decision.top.article_id == "password-reset"
        _edit_password_reset(write_article, None)  # undone: the file still has the wording
        assert bot.reload(force=True) and bot.semantic
    assert encoder.encoded == [embedding_text(edited)]
    assert caplog.text.count("cannot be written") == 1


# --- serving by words while the articles are encoded --------------------------------------


@pytest.fixture
def encode_before_serving(monkeypatch: pytest.MonkeyPatch) -> None:
    """Defer any encoding at all: the five-article KB stands in for a large one."""
    monkeypatch.setattr(kb.service, "ENCODE_BEFORE_SERVING", 0)


@pytest.mark.usefixtures("encode_before_serving")
def test_serve_first_answers_by_words_until_a_reload_encodes(
    sample_kb: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kb.service")
    encoder = WordsEncoder()
    kb = KnowledgeBase(sample_kb, encoder=encoder, serve_first=True)
    assert encoder.encoded == []  # nothing encoded before the first answer
    assert not kb.semantic and kb.encoding_deferred
    decision = kb.ask("رمز عبورم را فراموش کردم")
    assert decision.kind == "answer" and decision.top is not None
    assert decision.top.article_id == "password-reset"

    assert kb.reload() is True  # nothing changed on disk: the deferred encoding is the change
    assert kb.semantic and not kb.encoding_deferred
    assert "بازیابی رمز عبور" in encoder.encoded
    assert kb.reload() is False
    fresh = "کد تایید برای ورود به حسابم نمیاد"
    kb.ask(fresh)
    assert embedding_text(fresh) in encoder.encoded  # questions are now matched by meaning

    # The operator is told once that matching by meaning has started, not on every later edit.
    next(sample_kb.rglob("*.md")).unlink()
    kb.reload()  # the article is held for a poll, in case the file comes back
    assert kb.reload() is True and kb.semantic
    ready = [r for r in caplog.records if "matching by meaning is ready" in r.getMessage()]
    assert len(ready) == 1


@pytest.mark.usefixtures("encode_before_serving")
def test_a_deferred_encoding_is_not_put_off_again_by_an_edit(
    sample_kb: Path, write_article: WriteArticle
) -> None:
    kb = KnowledgeBase(sample_kb, encoder=WordsEncoder(), serve_first=True)
    write_article("vpn", "اتصال به وی پی ان سازمان", questions=["وی پی ان وصل نمی‌شود"])
    assert kb.reload() is True
    assert kb.semantic and kb.get("vpn") is not None
    assert kb.ask("وی پی ان وصل نمیشه").top.article_id == "vpn"  # type: ignore[union-attr]


@pytest.mark.usefixtures("encode_before_serving")
def test_a_restart_with_the_vectors_stored_matches_by_meaning_at_once(
    sample_kb: Path, tmp_path: Path
) -> None:
    path = tmp_path / "vectors.sqlite3"
    KnowledgeBase(sample_kb, encoder=WordsEncoder(), store=EmbeddingStore(path))
    again = WordsEncoder()
    kb = KnowledgeBase(sample_kb, encoder=again, store=EmbeddingStore(path), serve_first=True)
    assert kb.semantic and not kb.encoding_deferred
    assert again.encoded == []


def test_an_edit_of_a_few_phrasings_is_encoded_before_it_is_served(
    sample_kb: Path, write_article: WriteArticle
) -> None:
    encoder = WordsEncoder()
    kb = KnowledgeBase(sample_kb, encoder=encoder, serve_first=True)
    assert kb.semantic  # a small KB is encoded at once: under a second
    write_article("vpn", "اتصال به وی پی ان سازمان", questions=["وی پی ان وصل نمی‌شود"])
    assert kb.reload() is True
    assert kb.semantic and not kb.encoding_deferred
    assert "اتصال به وی پی ان سازمان" in encoder.encoded


@pytest.mark.usefixtures("encode_before_serving")
async def test_watch_starts_a_deferred_encoding_without_waiting_an_interval(
    sample_kb: Path,
) -> None:
    kb = KnowledgeBase(sample_kb, encoder=WordsEncoder(), serve_first=True)
    task = asyncio.create_task(kb.watch(interval=3600))
    try:
        for _ in range(200):
            if kb.semantic:
                break
            await asyncio.sleep(0.02)
        assert kb.semantic and not kb.encoding_deferred
    finally:
        task.cancel()


@pytest.mark.usefixtures("encode_before_serving")
def test_without_serve_first_the_kb_is_encoded_before_it_answers(sample_kb: Path) -> None:
    encoder = WordsEncoder()
    kb = KnowledgeBase(sample_kb, encoder=encoder)  # the command line: final answers only
    assert kb.semantic and not kb.encoding_deferred
    assert "بازیابی رمز عبور" in encoder.encoded


def test_the_texts_left_to_encode_are_counted_without_encoding_them(tmp_path: Path) -> None:
    articles = [
        Article(id="a", title="رمز عبور", body="از صفحه ورود", questions=("رمز عبور", "رمزم")),
        Article(id="b", title="گزارش ماهانه", body=""),
    ]
    store = EmbeddingStore(tmp_path / "vectors.sqlite3")
    encoder = WordsEncoder()
    # Two distinct phrasings of «a», one of «b», one body; nothing is encoded to count them.
    assert SemanticIndex.unencoded(articles, encoder, store) == 4
    assert encoder.encoded == []
    SemanticIndex(articles, encoder, store)
    assert SemanticIndex.unencoded(articles, encoder, EmbeddingStore(store.path)) == 0


# --- the bundled model on the shipped sample KB ------------------------------------------------


@pytest.fixture(scope="module")
def e5_store(tmp_path_factory: pytest.TempPathFactory) -> EmbeddingStore:
    return EmbeddingStore(tmp_path_factory.mktemp("vectors") / "vectors.sqlite3")


@pytest.fixture(scope="module")
def e5_kb(e5_store: EmbeddingStore) -> KnowledgeBase:
    return KnowledgeBase(SAMPLE_KB, encoder=E5Encoder(), store=e5_store)


@pytest.fixture(scope="module")
def words_only_kb() -> KnowledgeBase:
    return KnowledgeBase(SAMPLE_KB)


# Said without the article's words: «سیستم منو بیرون انداخته» for a session that timed out.
LOGGED_OUT = "یه فرم طولانی نوشتم رفتم ناهار برگشتم دیدم سیستم منو بیرون انداخته"


def test_a_question_in_other_words_is_offered_its_article_instead_of_a_wait(
    e5_kb: KnowledgeBase, words_only_kb: KnowledgeBase
) -> None:
    assert e5_kb.semantic
    decision = e5_kb.ask(LOGGED_OUT)
    assert decision.kind in ("answer", "suggest")
    assert "session-timeout" in {hit.article_id for hit in decision.choices or decision.hits[:1]}
    # Matching by words alone has nothing to offer and makes the customer wait for a person.
    assert words_only_kb.ask(LOGGED_OUT).kind == "handoff"


# The PDF article's answer talks about fitting wide reports on the page; its phrasings do not.
PRINT_COLUMNS = "گزارش رو میخوام چاپ کنم ولی ستون‌ها از کاغذ بیرون میزنه"


def test_a_question_only_the_answer_speaks_to_is_offered_that_article(
    e5_kb: KnowledgeBase, e5_store: EmbeddingStore
) -> None:
    decision = e5_kb.ask(PRINT_COLUMNS)
    assert decision.kind in ("answer", "suggest")
    assert decision.hits[0].article_id == "report-export-pdf"
    model = ConfidenceModel.load()
    assert model.semantic is not None and model.semantic.fusion.body > 0
    fusion = replace(model.semantic.fusion, body=0.0)
    no_body_credit = replace(model, semantic=replace(model.semantic, fusion=fusion))
    without = KnowledgeBase(SAMPLE_KB, no_body_credit, encoder=E5Encoder(), store=e5_store)
    # Without the answer's words the customer's own article is not the first choice.
    assert without.ask(PRINT_COLUMNS).hits[0].article_id != "report-export-pdf"


@pytest.mark.parametrize(
    "question",
    ["قیمت طلا امروز چنده", "پیتزا فروشی خوب سراغ داری؟", "what is the capital of japan"],
)
def test_questions_about_something_else_still_go_to_a_person(
    e5_kb: KnowledgeBase, question: str
) -> None:
    assert e5_kb.ask(question).kind == "handoff"


def test_arabic_letters_do_not_change_the_semantic_answer(e5_kb: KnowledgeBase) -> None:
    persian = e5_kb.ask("حسابدار شرکت فاکتور پرداختی ماه پیش رو لازم داره، از کجا دریافتش کنم؟")
    arabic = e5_kb.ask("حسابدار شركت فاكتور پرداختي ماه پيش رو لازم داره، از كجا دريافتش كنم؟")
    assert persian.kind == arabic.kind == "answer"
    assert persian.top == arabic.top and persian.top is not None
    assert persian.top.article_id == "invoice-download"


@pytest.mark.parametrize(
    "greeting", ["سلام وقت بخیر، ", "سلام خسته نباشید، ", "با سلام و احترام، "]
)
def test_a_greeting_before_the_question_does_not_change_the_answer(
    e5_kb: KnowledgeBase, greeting: str
) -> None:
    # Most chats open with a greeting; encoded with the question, it made the bot unsure.
    greeted = e5_kb.ask(greeting + "رمزم یادم رفته")
    assert greeted.kind == "answer"
    assert greeted.top is not None and greeted.top.article_id == "password-reset"
    assert greeted.confidence == e5_kb.ask("رمزم یادم رفته").confidence


def test_the_greeting_is_not_encoded_with_the_question(sample_kb: Path) -> None:
    encoder = WordsEncoder()
    kb = KnowledgeBase(sample_kb, encoder=encoder)
    kb.ask("سلام وقتتون بخیر، خسته نباشید. حسابم از صبح قفل شده")
    assert encoder.encoded[-1] == "حسابم از صبح قفل شده"


def test_only_questions_that_need_the_encoder_are_sent_off_the_event_loop(
    sample_kb: Path,
) -> None:
    encoder = WordsEncoder()
    kb = KnowledgeBase(sample_kb, encoder=encoder)
    assert kb.ask_now("بازیابی رمز عبور") is not None  # a title, word for word
    fresh = "برای ورود به حسابم کد تایید نمیاد"
    assert kb.ask_now(fresh) is None
    decision = kb.ask(fresh)
    assert kb.ask_now(fresh) == decision  # asked before: remembered
    assert KnowledgeBase(sample_kb).ask_now(fresh) is not None  # words only: always cheap


@pytest.mark.parametrize(
    "text",
    [
        "",
        "😀😀🙏",
        "رمز " * 2500,
        "\x00رمز\x01 عبور",
        "رمز \udcff عبور",  # a lone surrogate, as JSON "\udcff" decodes
        "password رمز reset ریست",
        "sghl",
        "1234567890",
    ],
)
def test_any_text_gets_a_decision_from_the_model(e5_kb: KnowledgeBase, text: str) -> None:
    decision = e5_kb.ask(text)
    assert decision.kind in ("answer", "suggest", "handoff")


def test_a_kb_of_one_article_answers_a_question_on_it_outright(
    write_article: WriteArticle, tmp_path: Path, e5_store: EmbeddingStore
) -> None:
    """A desk starting out with its first article: there is no other article to lead."""
    write_article(
        "password-reset",
        "بازیابی رمز عبور",
        "از صفحهٔ ورود روی «فراموشی رمز» بزنید.",
        questions=["رمزم را فراموش کرده‌ام", "رمز عبورم یادم رفته چه کنم"],
    )
    kb = KnowledgeBase(tmp_path / "kb", encoder=E5Encoder(), store=e5_store)
    assert kb.semantic
    answered = kb.ask("رمز عبورم را فراموش کردم، چه کار کنم")
    assert answered.kind == "answer"
    assert answered.top is not None and answered.top.article_id == "password-reset"
    assert kb.ask("فردا هوای تهران بارانی است؟").kind == "handoff"


def test_the_encoders_threads_sleep_while_waiting_unless_the_operator_says_otherwise() -> None:
    # Spinning OpenMP threads made an encoding four times slower on a shared CPU; the bench
    # measures it (README), this only keeps the setting in place.
    code = "import os; from kb.semantic import E5Encoder; E5Encoder(); print(os.environ['{}'])"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    said = subprocess.run(
        [sys.executable, "-c", code.format("OMP_WAIT_POLICY")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    chosen = subprocess.run(
        [sys.executable, "-c", code.format("OMP_WAIT_POLICY")],
        env=env | {"OMP_WAIT_POLICY": "ACTIVE"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert said.stdout.strip() == "PASSIVE" and chosen.stdout.strip() == "ACTIVE"
