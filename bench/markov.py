"""Synthetic Persian text from a word-bigram Markov chain over real sentences.

The speed benchmark needs KBs of tens of thousands of articles that read like Persian (real word
frequencies, real word pairs, real question openings) without shipping any data: the chain is
built at run time from the ParsiNLU questions in ../shared (never copied), the project's own
articles and bench/data/ood_fa.txt. Everything is drawn from a caller-seeded random.Random, so a
seed gives the same text on every run.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from bench.noise import wrong_layout
from kb.article import Article
from kb.loader import load_articles

ROOT = Path(__file__).resolve().parent.parent
QQP_DIR = ROOT.parent / "shared" / "data" / "parsinlu-qqp"
QQP_SPLITS = ("train", "dev")
ARTICLES_DIR = ROOT / "kb" / "articles"
OOD_FA = ROOT / "bench" / "data" / "ood_fa.txt"

_START = "\x02"
_END = "\x03"
_LIST_MARKER = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+")
_MARKUP = re.compile(r"\*\*|`|__")
_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+")


def source_sentences() -> list[str]:
    """Read every real Persian sentence the chain learns from (QQP, KB articles, ood_fa)."""
    sentences: list[str] = []
    for split in QQP_SPLITS:
        path = QQP_DIR / f"{split}.jsonl"
        if not path.exists():
            raise SystemExit(f"{path} not found: the benchmark reads ../shared/data/parsinlu-qqp")
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                pair = json.loads(line)
                sentences.extend((pair["q1"], pair["q2"]))
    for article in load_articles(ARTICLES_DIR).articles:
        sentences.extend(article.phrasings)
        sentences.extend(body_sentences(article.body))
    if OOD_FA.exists():
        sentences.extend(OOD_FA.read_text(encoding="utf-8").splitlines())
    return [s.strip() for s in sentences if s.strip()]


def body_sentences(body: str) -> list[str]:
    """Split a Markdown answer into plain sentences (list markers and emphasis removed)."""
    out: list[str] = []
    for line in body.splitlines():
        line = _MARKUP.sub("", _LIST_MARKER.sub("", line)).strip()
        out.extend(part for part in _SENTENCE_END.split(line) if part.strip())
    return out


class BigramChain:
    """Word-bigram transitions; successors keep repeats, so a uniform pick is frequency-weighted."""

    def __init__(self, sentences: Iterable[str]) -> None:
        successors: dict[str, list[str]] = {}
        for sentence in sentences:
            words = sentence.split()
            if not words:
                continue
            for prev, word in zip([_START, *words], [*words, _END], strict=True):
                successors.setdefault(prev, []).append(word)
        self._next = successors
        # Successors that do not end the sentence, for when it is still too short to end.
        self._next_open = {w: [s for s in nxt if s != _END] for w, nxt in successors.items()}
        self.vocabulary: tuple[str, ...] = tuple(sorted(w for w in successors if w != _START))

    def sentence(self, rng: random.Random, min_words: int = 5, max_words: int = 15) -> str:
        """Sample one sentence of min_words..max_words words, started like a real sentence."""
        while True:
            words: list[str] = []
            prev = _START
            while len(words) < max_words:
                choices = self._next_open[prev] if len(words) < min_words else self._next[prev]
                if not choices:
                    break  # a word that only ever ends sentences, too early: start again
                word = choices[rng.randrange(len(choices))]
                if word == _END:
                    break
                words.append(word)
                prev = word
            if len(words) >= min_words:
                return " ".join(words)

    def word(self, rng: random.Random) -> str:
        """Sample one vocabulary word (uniformly over distinct words)."""
        return self.vocabulary[rng.randrange(len(self.vocabulary))]


def synthetic_articles(chain: BigramChain, count: int, rng: random.Random,
                       phrasings: int = 3) -> list[Article]:
    """Generate `count` articles: a title, `phrasings` other questions and a 2-3 sentence body."""
    articles: list[Article] = []
    for number in range(count):
        title = chain.sentence(rng)
        questions: list[str] = []
        while len(questions) < phrasings:
            question = chain.sentence(rng)
            if question != title and question not in questions:
                questions.append(question)
        body = " ".join(chain.sentence(rng, 6, 20) for _ in range(rng.choice((2, 3))))
        articles.append(Article(id=f"gen-{number:06d}", title=title, body=body,
                                questions=tuple(questions)))
    return articles


def perturb(phrasing: str, chain: BigramChain, rng: random.Random) -> str:
    """Drop one word of `phrasing`, or swap it for another word of the chain's vocabulary."""
    words = phrasing.split()
    position = rng.randrange(len(words))
    if len(words) > 2 and rng.random() < 0.5:
        del words[position]
    else:
        words[position] = chain.word(rng)
    return " ".join(words)


# Persian letter → a Finglish spelling (short vowels are not written in Persian, so this reads
# like hurried Finglish: "rmz ebvr" style words mixed with full ones).
_ROMAN = {
    "ا": "a", "آ": "a", "ب": "b", "پ": "p", "ت": "t", "ث": "s", "ج": "j", "چ": "ch", "ح": "h",
    "خ": "kh", "د": "d", "ذ": "z", "ر": "r", "ز": "z", "ژ": "zh", "س": "s", "ش": "sh", "ص": "s",
    "ض": "z", "ط": "t", "ظ": "z", "ع": "a", "غ": "gh", "ف": "f", "ق": "gh", "ک": "k", "ك": "k",
    "گ": "g", "ل": "l", "م": "m", "ن": "n", "و": "o", "ه": "e", "ی": "i", "ي": "i", "ئ": "e",
    "ء": "", "أ": "a", "ؤ": "o", "ة": "e", "\u200c": "", "؟": "?", "،": ",",
}

# Finglish as people type it in a support chat (written for this benchmark).
FINGLISH = (
    "salam ramzam ro faramoosh kardam",
    "chera pardakht anjam nashod",
    "hesabam ghofl shode chikar konam",
    "nemitoonam vared sham",
    "code taeed baram nemiad",
    "chetori factor ro download konam",
    "app mobile baz nemishe",
    "mikham ramz oboor ro avaz konam",
    "gozaresh excel kharab miad",
    "file upload nemishe hajmesh ziade",
    "kei poshtibani javab mide",
    "sms nemiad baraye vorood",
    "chejoori vpn vasl sham",
    "dastresi nadaram be in safhe",
    "taghire shomare mobile dar profile",
    "emza digital kar nemikone",
)


def romanize(sentence: str) -> str:
    """Spell a Persian sentence in Latin letters, letter by letter."""
    return "".join(_ROMAN.get(ch, ch if ch.isascii() else "") for ch in sentence)


def mixed_queries(articles: Sequence[Article], chain: BigramChain, count: int,
                  rng: random.Random, latin_share: float = 0.1) -> list[tuple[str, str]]:
    """Return (kind, query) pairs: perturbed phrasings, fresh sentences and Latin-script text.

    Kinds: "near" (a phrasing of a random article, one word dropped or swapped), "fresh" (a new
    Markov sentence, almost never in the KB), "layout" (a phrasing typed on the English layout),
    "finglish" (hand-written Finglish or a romanized phrasing).
    """
    queries: list[tuple[str, str]] = []
    for _ in range(count):
        draw = rng.random()
        article = articles[rng.randrange(len(articles))]
        phrasing = rng.choice(article.phrasings)
        if draw < latin_share / 2:
            queries.append(("layout", wrong_layout(phrasing)))
        elif draw < latin_share:
            text = rng.choice(FINGLISH) if rng.random() < 0.5 else romanize(phrasing)
            queries.append(("finglish", text))
        elif draw < latin_share + (1 - latin_share) / 2:
            queries.append(("near", perturb(phrasing, chain, rng)))
        else:
            queries.append(("fresh", chain.sentence(rng)))
    return queries
