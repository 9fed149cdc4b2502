"""A question split over two messages: what the bot does with the second half.

Customers in Telegram often send one question in pieces («نمیتونم وارد پرتال بشم», then «ارور
میده»). The bot offers guides for the first piece; this script cuts every question of the
sample KB's question file in two at its middle word and, where the first half gets guides to
pick from (as in the bot), prints what the second half gets read alone and what the bot does
(triage.read_together: with the first half while its guides wait).

    .venv/bin/python -m bench.split_questions [--questions kb/eval/questions.jsonl] [--words]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from kb.decision import Decision
from kb.settings import KBSettings
from triage import read_together

ROOT = Path(__file__).resolve().parents[1]
OUTCOMES = ("answer_right", "answer_wrong", "suggest_right", "suggest_wrong", "handoff")


def outcome(decision: Decision, expected: str | None) -> str:
    """How the decision serves a question whose right article is `expected` (None: out of scope)."""
    if decision.kind == "handoff":
        return "handoff"
    if decision.kind == "answer":
        right = decision.top is not None and decision.top.article_id == expected
    else:
        right = expected in {hit.article_id for hit in decision.choices}
    return f"{decision.kind}_{'right' if right else 'wrong'}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=ROOT / "kb" / "eval" / "questions.jsonl")
    parser.add_argument("--kb-dir", type=Path, default=ROOT / "kb" / "articles")
    parser.add_argument("--words", action="store_true", help="match by words only (no encoder)")
    args = parser.parse_args(argv)
    settings = KBSettings(kb_semantic=not args.words)
    kb = settings.knowledge_base(args.kb_dir)
    alone: Counter[tuple[str, str]] = Counter()
    bot: Counter[tuple[str, str]] = Counter()
    for line in args.questions.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        words = str(item["question"]).split()
        if len(words) < 4:
            continue
        first, second = " ".join(words[: len(words) // 2]), " ".join(words[len(words) // 2 :])
        offer = kb.ask(first)
        if offer.kind != "suggest":
            continue  # answered, or handed to a person: the second half is not read after guides
        expected = item.get("expected")
        scope = "in scope" if expected else "out of scope"
        by_itself = kb.ask(second)
        together = kb.ask(f"{first}\n{second}")
        taken = together if read_together(second, by_itself, together) else by_itself
        alone[(scope, outcome(by_itself, expected))] += 1
        bot[(scope, outcome(taken, expected))] += 1
    print(f"second halves read after the first half's guides ({args.questions.name})")
    print(f"{'':28}{'alone':>8}{'bot':>8}")
    for scope in ("in scope", "out of scope"):
        total = sum(n for (s, _), n in alone.items() if s == scope)
        print(f"{scope} ({total})")
        for name in OUTCOMES:
            print(f"  {name:26}{alone[(scope, name)]:>8}{bot[(scope, name)]:>8}")


if __name__ == "__main__":
    main()
