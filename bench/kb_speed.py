"""How the KB engine's cost grows with the number of articles, beside bm25s on the same data.

    python -m bench.kb_speed                          # 1,000, 10,000 and 50,000 articles
    python -m bench.kb_speed --sizes 1000,5000 --queries 500

For each size, a KB of synthetic Persian articles (title, 3 other phrasings, a short body) is
generated from a word-bigram Markov chain over real Persian sentences (bench.markov; the ParsiNLU
questions are read from ../shared at run time, never copied). Each engine is then measured in a
fresh single-threaded process (one BLAS/OpenMP thread; not pinned to a CPU, so on a shared
machine the scheduler can use an idle core), so peak memory belongs to that size alone: build
time (wall and CPU), peak RSS, and the latency of one query after a warm-up. For the KB engine a
query is `Engine.decide` (ranking, confidence, decision, Latin-script readings); bm25s only
ranks. `kb+sem` is the KB engine with semantic matching on (kb/semantic.py), from a cold vector
store, so its build includes encoding every phrasing; it is measured up to --semantic-max
articles (encoding 40,000 phrasings takes minutes). Seeded, so a run is reproducible. It prints
figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.markov import BigramChain, mixed_queries, source_sentences, synthetic_articles
from kb.article import Article

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (1_000, 10_000, 50_000)
DEFAULT_QUERIES = 2_000
WARMUP = 100
# Seconds of measured queries per engine and size at most (at least MIN_MEASURED queries are
# always timed): the slowest size would otherwise dominate the run.
QUERY_BUDGET_S = 60.0
MIN_MEASURED = 100
SEED = 1403
PHRASINGS = 3  # questions per article besides the title
KINDS = ("near", "fresh", "layout", "finglish")
ENGINES = ("kb", "kb+sem", "bm25s")
WORKERS = ("gen", *ENGINES)
ENGINE_LABELS = {"kb": "kb.Engine", "kb+sem": "kb+sem", "bm25s": "bm25s*"}
SEMANTIC_MAX = 1_000

# Targets for the KB engine at TARGET_SIZE articles with PHRASINGS phrasings each.
TARGET_SIZE = 10_000
TARGET_P99_MS = 5.0
TARGET_BUILD_S = 10.0
TARGET_PEAK_MB = 500.0

# One thread everywhere: the figures are per core, and a bot process shares its machine.
ONE_THREAD_ENV = {
    name: "1"
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                 "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
}

Result = dict[str, Any]


# --- data (generated in a worker, so the parent process stays small) ----------------------------

def write_data(folder: Path, sizes: Sequence[int], n_queries: int, seed: int) -> str:
    """Generate the articles (one list; each size takes its first N) and the queries per size."""
    sentences = source_sentences()
    chain = BigramChain(sentences)
    articles = synthetic_articles(chain, max(sizes), random.Random(seed), PHRASINGS)
    with (folder / "articles.jsonl").open("w", encoding="utf-8") as out:
        for article in articles:
            out.write(json.dumps([article.id, article.title, list(article.questions), article.body],
                                 ensure_ascii=False) + "\n")
    for size in sizes:
        # Warm-up queries are drawn separately, so no measured query was seen before.
        rng = random.Random(seed * 1_000_003 + size)
        queries = mixed_queries(articles[:size], chain, WARMUP + n_queries, rng)
        (folder / f"queries-{size}.json").write_text(json.dumps(queries, ensure_ascii=False),
                                                      encoding="utf-8")
    return (f"a word-bigram chain over {len(sentences):,} real Persian sentences "
            f"({len(chain.vocabulary):,} distinct words)")


def read_articles(folder: Path, size: int) -> list[Article]:
    """Read the first `size` generated articles."""
    articles: list[Article] = []
    with (folder / "articles.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            if len(articles) == size:
                break
            article_id, title, questions, body = json.loads(line)
            articles.append(Article(id=article_id, title=title, body=body,
                                    questions=tuple(questions)))
    return articles


def read_queries(folder: Path, size: int) -> tuple[list[str], list[tuple[str, str]]]:
    """Return the warm-up queries and the measured (kind, query) pairs for one size."""
    pairs = [(kind, text) for kind, text in
             json.loads((folder / f"queries-{size}.json").read_text(encoding="utf-8"))]
    return [text for _, text in pairs[:WARMUP]], pairs[WARMUP:]


# --- measurement (worker process) ----------------------------------------------------------------

def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """Resident memory of this process now, in MB (Linux /proc; NaN elsewhere)."""
    try:
        resident_pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return math.nan
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def held_rss_mb() -> float:
    """Resident memory once the garbage of the queries is collected: what a service keeps."""
    gc.collect()
    return current_rss_mb()


def summary_ms(samples_ns: Sequence[int]) -> dict[str, float]:
    """p50, p99, mean and max of latencies in nanoseconds, in milliseconds (nearest rank)."""
    if not samples_ns:
        return {"n": 0, "p50": math.nan, "p99": math.nan, "mean": math.nan, "max": math.nan}
    ordered = sorted(samples_ns)

    def rank(q: float) -> float:
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)] / 1e6

    return {"n": len(ordered), "p50": rank(0.50), "p99": rank(0.99),
            "mean": sum(ordered) / len(ordered) / 1e6, "max": ordered[-1] / 1e6}


def time_queries(run: Callable[[str], object], warmup: Sequence[str],
                 queries: Sequence[tuple[str, str]], budget_s: float,
                 ) -> tuple[dict[str, list[int]], list[object]]:
    """Warm up, then time each query alone until the budget is spent.

    Returns latencies by kind and the answers of the queries measured (a prefix of `queries`,
    which are in random order, so the prefix is a fair sample).
    """
    for text in warmup:
        run(text)
    by_kind: dict[str, list[int]] = {kind: [] for kind in KINDS}
    answers: list[object] = []
    clock = time.perf_counter_ns
    deadline = clock() + int(budget_s * 1e9)
    for kind, text in queries:
        start = clock()
        answer = run(text)
        end = clock()
        by_kind[kind].append(end - start)
        answers.append(answer)
        if end > deadline and len(answers) >= MIN_MEASURED:
            break
    return by_kind, answers


def measure_kb(folder: Path, size: int, budget_s: float, semantic: bool = False) -> Result:
    """Build KBIndex + Engine over `size` articles and time Engine.decide."""
    from kb.confidence import ConfidenceModel
    from kb.engine import Engine
    from kb.index import KBIndex
    from kb.normalize import has_latin, has_persian
    from kb.semantic import E5Encoder, EmbeddingStore, SemanticIndex

    encoder = E5Encoder() if semantic else None
    baseline = peak_rss_mb()
    articles = read_articles(folder, size)
    warmup, queries = read_queries(folder, size)
    model = ConfidenceModel.load()
    loaded = peak_rss_mb()
    start, cpu = time.perf_counter_ns(), time.process_time_ns()
    vectors = SemanticIndex(articles, encoder, EmbeddingStore()) if encoder else None
    engine = Engine(KBIndex(articles, model.weights), model, vectors)
    build_s = (time.perf_counter_ns() - start) / 1e9
    build_cpu_s = (time.process_time_ns() - cpu) / 1e9
    built = peak_rss_mb()
    # The first Latin-script query indexes the KB vocabulary for Finglish (once per index).
    first_latin = next(t for t in warmup + [q for _, q in queries]
                       if has_latin(t) and not has_persian(t))
    start = time.perf_counter_ns()
    engine.decide(first_latin)
    first_latin_ms = (time.perf_counter_ns() - start) / 1e6
    by_kind, decisions = time_queries(engine.decide, warmup, queries, budget_s)
    outcomes: Counter[str] = Counter()
    for (kind, _), decision in zip(queries, decisions, strict=False):
        outcomes[f"{kind}:{getattr(decision, 'kind', '?')}"] += 1
    return {
        "build_s": build_s, "build_cpu_s": build_cpu_s,
        "baseline_mb": baseline, "data_mb": loaded - baseline,
        "built_mb": built, "peak_mb": peak_rss_mb(), "held_mb": held_rss_mb(),
        "first_latin_ms": first_latin_ms,
        "latency": summary_ms([t for times in by_kind.values() for t in times]),
        "by_kind": {kind: summary_ms(times) for kind, times in by_kind.items()},
        "outcomes": dict(outcomes), "docs": engine.index.n_docs_,
    }


def measure_bm25s(folder: Path, size: int, budget_s: float) -> Result:
    """Index the same texts with bm25s (normalized, whitespace tokens); time a k=5 retrieve."""
    import bm25s

    from kb.normalize import normalize

    baseline = peak_rss_mb()
    articles = read_articles(folder, size)
    warmup, queries = read_queries(folder, size)
    loaded = peak_rss_mb()
    start, cpu = time.perf_counter_ns(), time.process_time_ns()
    corpus = [normalize(" ".join((a.title, *a.questions, a.body))).split() for a in articles]
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    build_s = (time.perf_counter_ns() - start) / 1e9
    build_cpu_s = (time.process_time_ns() - cpu) / 1e9
    del corpus  # the retriever keeps its own matrix and vocabulary
    built = peak_rss_mb()

    def retrieve(text: str) -> object:
        return retriever.retrieve([normalize(text).split()], k=5, show_progress=False)

    by_kind, _ = time_queries(retrieve, warmup, queries, budget_s)
    return {
        "build_s": build_s, "build_cpu_s": build_cpu_s,
        "baseline_mb": baseline, "data_mb": loaded - baseline,
        "built_mb": built, "peak_mb": peak_rss_mb(), "held_mb": held_rss_mb(),
        "latency": summary_ms([t for times in by_kind.values() for t in times]),
        "by_kind": {kind: summary_ms(times) for kind, times in by_kind.items()},
    }


def run_worker(args: argparse.Namespace) -> Result:
    """Generate the data, or measure one engine at one size, in this (fresh) process."""
    if args.worker == "gen":
        return {"source": write_data(args.data, args.sizes, args.queries, args.seed)}
    if args.worker in ("kb", "kb+sem"):
        return measure_kb(args.data, args.size, args.budget, semantic=args.worker == "kb+sem")
    return measure_bm25s(args.data, args.size, args.budget)


def spawn_worker(worker: str, args: argparse.Namespace, folder: Path, size: int = 0) -> Result:
    """Run one step in a fresh interpreter with one thread.

    Linux carries the parent's peak RSS into ru_maxrss across exec, so the parent stays small:
    even the data is generated in a worker.
    """
    command = [sys.executable, "-m", "bench.kb_speed", "--worker", worker, "--data", str(folder),
               "--size", str(size), "--sizes", ",".join(map(str, args.sizes)),
               "--queries", str(args.queries), "--seed", str(args.seed),
               "--budget", str(args.budget)]
    env = {**os.environ, **ONE_THREAD_ENV}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the {worker} worker for {size} articles failed ({done.returncode})")
    result: Result = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- report --------------------------------------------------------------------------------------

def ratio(new: float, old: float) -> str:
    return f"×{new / old:.1f}" if old > 0 else "n/a"


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def print_report(results: dict[int, dict[str, Result]], n_queries: int, budget_s: float,
                 source: str, load: tuple[float, float]) -> None:
    """Print the per-size table, the KB engine's detail, the targets and the growth line."""
    print("KB speed benchmark (python -m bench.kb_speed)")
    print(f"KB: synthetic Persian articles from {source}; each article = title + "
          f"{PHRASINGS} phrasings + a 2-3 sentence body.")
    print(f"Queries per size: up to {n_queries:,} measured (stopping after {budget_s:g} s) after "
          f"{WARMUP} warm-up; ~45% near (a phrasing, one word dropped or swapped), ~45% fresh "
          "(a new sentence), ~5% wrong layout, ~5% Finglish.")
    print("Each engine and size in a fresh single-threaded process (one BLAS/OpenMP thread). "
          "build s = wall clock, cpu s = process CPU time of the build; RSS = ru_maxrss peak; "
          "+imports = peak minus the peak after imports (includes the articles themselves); "
          "held = RSS at the end, after the queries and a gc.")
    print(f"Machine: {os.cpu_count()} CPUs; 1-minute load average {load[0]:.2f} at start, "
          f"{load[1]:.2f} at the end (above ~1, other processes competed for the CPUs).")
    print("* bm25s only ranks (k=5 over title+phrasings+body, normalized, whitespace tokens): "
          "no confidence, no decision, no Latin-script path.")
    print()
    header = (f"{'articles':>9}  {'engine':<10} {'build s':>8} {'cpu s':>6} {'peak MB':>8} "
              f"{'+imports':>9} {'held MB':>8} "
              f"{'queries':>8} {'p50 ms':>7} {'p99 ms':>7} {'mean ms':>8} {'max ms':>7}")
    print(header)
    print("-" * len(header))
    for size, by_engine in results.items():
        for engine, r in by_engine.items():
            lat = r["latency"]
            print(f"{size:>9,}  {ENGINE_LABELS[engine]:<10} {r['build_s']:>8.2f} "
                  f"{r['build_cpu_s']:>6.2f} {r['peak_mb']:>8.0f} "
                  f"{r['peak_mb'] - r['baseline_mb']:>9.0f} {r['held_mb']:>8.0f} "
                  f"{lat['n']:>8,} {lat['p50']:>7.2f} {lat['p99']:>7.2f} {lat['mean']:>8.2f} "
                  f"{lat['max']:>7.1f}")
    print()
    print("kb.Engine per query kind, p50 / p99 ms (decisions: answer/suggest/handoff):")
    for size, engine, r in ((size, e, r) for size, by in results.items()
                            for e, r in by.items() if e != "bm25s"):
        parts = []
        for kind in KINDS:
            s = r["by_kind"][kind]
            if not s["n"]:
                continue
            mix = "/".join(str(r["outcomes"].get(f"{kind}:{a}", 0))
                           for a in ("answer", "suggest", "handoff"))
            parts.append(f"{kind} {s['p50']:.2f}/{s['p99']:.2f} ({mix})")
        print(f"  {size:>7,} {ENGINE_LABELS[engine]}: " + "; ".join(parts))
        print(f"           first Latin query {r['first_latin_ms']:.0f} ms (incl. the one-time "
              f"vocabulary index); peak RSS at the end of the build {r['built_mb']:.0f} MB, "
              f"after the queries {r['peak_mb']:.0f} MB; {r['docs']:,} indexed texts")
    print()
    target = results.get(TARGET_SIZE, {}).get("kb")
    if target is None:
        print(f"Targets (kb.Engine at {TARGET_SIZE:,} articles): not measured in this run "
              f"(add {TARGET_SIZE} to --sizes).")
    else:
        p99, build, peak = target["latency"]["p99"], target["build_s"], target["peak_mb"]
        print(f"Targets (kb.Engine at {TARGET_SIZE:,} articles, {PHRASINGS} phrasings each): "
              f"p99 {p99:.2f} ms vs ≤ {TARGET_P99_MS:g} ms: {verdict(p99 <= TARGET_P99_MS)}; "
              f"build {build:.2f} s vs ≤ {TARGET_BUILD_S:g} s: {verdict(build <= TARGET_BUILD_S)}; "
              f"peak {peak:.0f} MB (+{peak - target['baseline_mb']:.0f} over imports) "
              f"vs ≤ {TARGET_PEAK_MB:g} MB: {verdict(peak <= TARGET_PEAK_MB)}")
    sizes = sorted(results)
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        print(f"Growth {small:,} → {large:,} articles (×{large / small:g}):")
        for engine in ENGINES:
            a, b = results[small].get(engine), results[large].get(engine)
            if a is None or b is None:
                continue
            print(f"  {ENGINE_LABELS[engine]:<10} build {ratio(b['build_s'], a['build_s'])}, "
                  f"memory over imports "
                  f"{ratio(b['peak_mb'] - b['baseline_mb'], a['peak_mb'] - a['baseline_mb'])}, "
                  f"p50 {ratio(b['latency']['p50'], a['latency']['p50'])}, "
                  f"p99 {ratio(b['latency']['p99'], a['latency']['p99'])}")


# --- command line --------------------------------------------------------------------------------

def parse_sizes(text: str) -> list[int]:
    sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    if not sizes or sizes[0] < 10:
        raise argparse.ArgumentTypeError("sizes must be integers of at least 10")
    return sizes


def main(argv: Sequence[str] | None = None) -> None:
    """Generate the data, measure every size and engine in fresh processes, print the report."""
    parser = argparse.ArgumentParser(prog="python -m bench.kb_speed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=parse_sizes, default=list(DEFAULT_SIZES),
                        help="comma-separated numbers of articles (default 1000,10000,50000)")
    parser.add_argument("--queries", type=int, default=DEFAULT_QUERIES,
                        help="measured queries per size (default 2000)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--budget", type=float, default=QUERY_BUDGET_S,
                        help="seconds of measured queries per engine and size at most "
                             f"(default {QUERY_BUDGET_S:g}; at least {MIN_MEASURED} queries)")
    parser.add_argument("--semantic-max", type=int, default=SEMANTIC_MAX,
                        help="largest size measured with semantic matching on "
                             f"(default {SEMANTIC_MAX:,}; 0: never)")
    parser.add_argument("--worker", choices=WORKERS, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(run_worker(args)))
        return
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="kb_speed_") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        source = str(spawn_worker("gen", args, folder)["source"])
        print(f"[data generated in {time.perf_counter() - started:.1f} s]", file=sys.stderr)
        results: dict[int, dict[str, Result]] = {}
        for size in args.sizes:
            for engine in ENGINES:
                if engine == "kb+sem" and size > args.semantic_max:
                    continue
                started = time.perf_counter()
                results.setdefault(size, {})[engine] = spawn_worker(engine, args, folder, size)
                print(f"[{size:,} articles, {engine}: {time.perf_counter() - started:.1f} s]",
                      file=sys.stderr)
    print_report(results, args.queries, args.budget, source, (load_start, os.getloadavg()[0]))


if __name__ == "__main__":
    main()
