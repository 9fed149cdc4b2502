"""What one saved file costs a running bot on a large KB: time to serve it, and slower answers.

    python -m bench.kb_reload                         # 5,000 articles, 5 edits
    python -m bench.kb_reload --articles 2000 --edits 10

A KB of synthetic Persian articles (bench.markov, from the ParsiNLU questions read from
../shared at run time) is written as Markdown files in a temporary folder, ten folders of
categories, and served by words (no sentence encoder, as with KB_SEMANTIC=false). Then, as an
editor would, one article is saved at a time and the KB reloaded in a thread of its own (as the
bot's watcher does) while the main thread keeps asking questions, as the bot's event loop
answers customers. It prints the first load, each reload (from the save to the new version in
service), the latency of questions asked with no reload running and during reloads, and the
process's memory. It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from bench.kb_speed import current_rss_mb
from bench.markov import BigramChain, mixed_queries, source_sentences, synthetic_articles
from kb.article import Article
from kb.service import KnowledgeBase

SEED = 1405
FOLDERS = 10


class ProblemsLogged(logging.Handler):
    """Counts the KB's lines about article problems instead of printing them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1

    def take(self) -> int:
        count, self.count = self.count, 0
        return count


def article_text(article: Article) -> str:
    # JSON strings are YAML's double-quoted scalars: a title starting with «[» stays a title.
    questions = "\n".join(f"  - {json.dumps(q, ensure_ascii=False)}" for q in article.questions)
    title = json.dumps(article.title, ensure_ascii=False)
    return (
        f"---\nid: {article.id}\ntitle: {title}\nquestions:\n{questions}\n"
        f"tags: [نمونه]\n---\n\n{article.body}\n"
    )


def write_kb(folder: Path, articles: Sequence[Article]) -> list[Path]:
    paths: list[Path] = []
    for number, article in enumerate(articles):
        category = folder / f"دسته-{number % FOLDERS}"
        category.mkdir(exist_ok=True)
        path = category / f"{article.id}.md"
        path.write_text(article_text(article), encoding="utf-8")
        paths.append(path)
    return paths


def percentiles(samples_s: Sequence[float]) -> str:
    if not samples_s:
        return "no questions"
    ordered = sorted(samples_s)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{len(ordered):,} questions, p50 {statistics.median(ordered) * 1000:.2f} ms, "
        f"p99 {p99 * 1000:.2f} ms, max {ordered[-1] * 1000:.1f} ms"
    )


_ASKED = itertools.count()


def ask_while(kb: KnowledgeBase, queries: Sequence[str], running: threading.Event) -> list[float]:
    """Ask questions one after another while `running` is set; their latencies in seconds."""
    latencies: list[float] = []
    while running.is_set():
        # Numbered, across calls, so that no question is one the engine remembers deciding.
        number = next(_ASKED)
        text = f"{queries[number % len(queries)]} {number}"
        started = time.perf_counter()
        kb.ask(text)
        latencies.append(time.perf_counter() - started)
    return latencies


def reload_timed(kb: KnowledgeBase, took: list[float], running: threading.Event) -> None:
    """Reload `kb`, add the seconds it took to `took`, then stop the questions."""
    began = time.perf_counter()
    kb.reload()
    took.append(time.perf_counter() - began)
    running.clear()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=5_000)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--idle-seconds", type=float, default=3.0)
    args = parser.parse_args(argv)

    problems = ProblemsLogged()
    logging.getLogger("kb").addHandler(problems)
    logging.getLogger("kb").propagate = False
    rng = random.Random(SEED)
    chain = BigramChain(source_sentences())
    articles = synthetic_articles(chain, args.articles, rng)
    queries = [text for _, text in mixed_queries(articles, chain, 500, rng)]
    with tempfile.TemporaryDirectory(prefix="pasokh-reload-") as tmp:
        kb_dir = Path(tmp)
        paths = write_kb(kb_dir, articles)
        started = time.perf_counter()
        kb = KnowledgeBase(kb_dir)
        print(
            f"{len(kb):,} articles in {len(paths):,} files; first load "
            f"{time.perf_counter() - started:.2f} s, {problems.take():,} problem lines logged, "
            f"RSS {current_rss_mb():.0f} MB"
        )

        running = threading.Event()
        running.set()
        timer = threading.Timer(args.idle_seconds, running.clear)
        timer.start()
        idle = ask_while(kb, queries, running)
        print(f"no reload running: {percentiles(idle)}")

        during: list[float] = []
        for edit in range(args.edits):
            path = paths[rng.randrange(len(paths))]
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace('  - "', f'  - "ویرایش {edit} ', 1), encoding="utf-8")
            running.set()
            took: list[float] = []
            worker = threading.Thread(target=reload_timed, args=(kb, took, running))
            worker.start()
            during += ask_while(kb, queries, running)
            worker.join()
            print(
                f"edit {edit + 1}: served after {took[0]:.2f} s, "
                f"{problems.take():,} problem lines logged, RSS {current_rss_mb():.0f} MB"
            )
        print(f"during reloads: {percentiles(during)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
