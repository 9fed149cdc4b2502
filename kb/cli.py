"""Command line for KB editors and for tools built on the KB (the JSON-lines `query` contract)."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from kb import gaps_cli, texts
from kb.decision import Decision, Hit
from kb.evaluate import LabelledQuestion, evaluate, read_questions, unknown_ids
from kb.loader import unlistable
from kb.markup import plain_text
from kb.service import KnowledgeBase
from kb.settings import SettingsError, read_settings

DEFAULT_QUESTIONS = Path(__file__).with_name("eval") / "questions.jsonl"
MAX_INPUT_LINE = 10_000


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand and return its exit code.

    A reader that stops early (`| head -1`) ends the run quietly: no traceback, exit 1, as the
    Python documentation advises for a broken pipe (see signal's "Note on SIGPIPE").
    """
    if sys.stdout is None:  # started with its output closed (`>&-`): like a reader gone
        return 1
    if sys.stdin is None:  # started with its input closed (`<&-`): input that has ended
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - for the whole run
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - as stdin
    try:
        code = _run(argv)
        sys.stdout.flush()  # what is still buffered meets the closed pipe here, not at exit
    except BrokenPipeError:
        _silence_closed_output()
        return 1
    return code


def _silence_closed_output() -> None:
    """Point stdout and stderr at devnull, so the interpreter's final flush of what is still
    buffered for the closed pipe raises nothing either."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        # A stream without a file (a test's capture, say) has nothing left to flush to a pipe.
        with contextlib.suppress(AttributeError, OSError, ValueError):
            os.dup2(devnull, stream.fileno())
    os.close(devnull)


def _run(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = read_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    kb_dir: Path = args.kb_dir or settings.kb_dir
    if kb_dir.exists() and not kb_dir.is_dir():  # a file: no "previous version" to speak of
        print(texts.KB_DIR_IS_A_FILE.format(path=kb_dir), file=sys.stderr)
        return 2
    if args.command != "check":  # check names these among the articles' problems
        if not kb_dir.is_dir():
            print(texts.NO_KB_DIR.format(path=kb_dir), file=sys.stderr)
            return 2
        reason = unlistable(kb_dir)
        if reason is not None:
            print(texts.KB_DIR_UNREADABLE.format(path=kb_dir, reason=reason), file=sys.stderr)
            return 2
    if args.command == "gaps":  # reads the bot's log before it loads the KB
        return gaps_cli.run(args, settings, kb_dir)
    if args.command == "check":  # validation only: no need to encode every phrasing
        # check prints each problem itself; the KB's log of them would say everything twice.
        logging.getLogger("kb.service").setLevel(logging.ERROR)
        kb = KnowledgeBase(kb_dir, settings.confidence_model())
    else:
        if args.command == "chat":  # a person is waiting: say why nothing happens yet
            print(texts.CHAT_LOADING, file=sys.stderr, flush=True)
        kb = settings.knowledge_base(kb_dir)
    handler = {
        "check": _check,
        "ask": _ask,
        "chat": _chat,
        "query": _query,
        "eval": _eval,
    }[args.command]
    return handler(kb, args)


# What scripts and CI read of a run, as every `--help` says it.
EXIT_CODES = (
    "Exit codes: 0 done; 1 check found errors (a missing or unreadable folder among them), eval"
    " missed a limit, or the reader of the output went away early; 2 a usage or configuration"
    " problem: an option, a KB_* setting, a --kb-dir that is a file or (but for check) a"
    " missing or unreadable one, eval's question file unreadable or naming unknown articles,"
    " gaps' log unreadable."
)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--kb-dir",
        type=Path,
        default=None,
        help="the articles directory (default: KB_DIR or kb/articles)",
    )
    parser = argparse.ArgumentParser(
        prog="python -m kb", description=texts.CLI_DESCRIPTION, epilog=EXIT_CODES
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, summary: str, more: str = "") -> argparse.ArgumentParser:
        description = f"{summary[0].upper()}{summary[1:]}{more}."
        return commands.add_parser(
            name, parents=[common], help=summary, description=description, epilog=EXIT_CODES
        )

    command("check", "validate the articles", ": each problem as file:line: message, a summary")
    ask = command("ask", "show how the bot would answer")
    ask.add_argument("question", nargs="+")
    ask.add_argument("--json", action="store_true", help="print the decision as JSON")
    command("chat", "talk to the KB in the terminal")
    command(
        "query",
        "one question a line on stdin, one JSON object a line on stdout",
        ', in order, each flushed: {"query": the line, "decision": "answer"|"suggest"|'
        '"handoff", "hits": [{"id": …, "score": …}, …] (best first, at most 5)}; input that'
        " is not UTF-8 is read as U+FFFD",
    )
    ev = command("eval", "score the KB against a question file")
    ev.add_argument(
        "questions",
        nargs="?",
        type=Path,
        default=DEFAULT_QUESTIONS,
        help="JSON lines: {question, expected: id|null, kind}",
    )
    ev.add_argument("--json", action="store_true", help="print the figures as JSON")
    ev.add_argument(
        "--misses",
        action="store_true",
        help='list wrong answers and missed questions (with --json: its "misses" list)',
    )
    for name, help_text in (
        ("min-top1", "fail below this top-1 on answerable questions"),
        ("min-mrr", "fail below this MRR@5"),
        ("min-precision", "fail below this precision of answers"),
        ("min-coverage", "fail below this share of answerable questions answered"),
        ("max-unanswerable-answered", "fail above this share of unanswerable questions answered"),
        ("max-handed-off", "fail above this share of answerable questions handed to a person"),
    ):
        ev.add_argument(f"--{name}", type=_share, default=None, help=f"{help_text} (0 to 1)")
    gaps_cli.add_parser(commands, common)
    commands.choices["gaps"].epilog = EXIT_CODES
    return parser


def _share(value: str) -> float:
    """A limit on a share: a finite number from 0 to 1 (80, a percentage, would always fail;
    nan and -1 would always pass)."""
    try:
        share = float(value)
    except ValueError:
        share = math.nan
    if not (math.isfinite(share) and 0.0 <= share <= 1.0):
        raise argparse.ArgumentTypeError(texts.EVAL_BAD_LIMIT.format(value=value))
    return share


def _check(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    for problem in (*kb.errors, *kb.warnings):
        print(problem)
    if kb.errors:
        print(texts.CHECK_FAILED.format(errors=texts.fa_number(len(kb.errors))), file=sys.stderr)
        return 1
    if len(kb) == 0:  # not wrong in itself, but most likely the wrong folder
        print(texts.CHECK_EMPTY.format(kb_dir=kb.kb_dir))
        return 0
    questions = sum(len(a.questions) for a in kb.articles)
    summary = texts.CHECK_OK_WARNINGS if kb.warnings else texts.CHECK_OK
    print(
        summary.format(
            articles=texts.fa_number(len(kb)),
            categories=texts.fa_number(len(kb.categories())),
            questions=texts.fa_number(questions),
            warnings=texts.fa_number(len(kb.warnings)),
        )
    )
    return 0


def _ask(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    question = " ".join(args.question)
    if args.json:
        print(json_line(_decision_json(kb.ask(question))))
        return 0
    refused = _refused_person(question)
    decision = kb.ask(refused or question)  # as the bot asks it: less a refused person
    # The bot reads some messages before the KB does: say so, then what the KB would do.
    note = _read_before_the_kb(question)
    if note is not None:
        print(note)
    _print_decision(kb, decision, sys.stdout, verbose=True)
    return 0


def _read_before_the_kb(question: str) -> str | None:
    """What `ask` says the bot does with `question` without asking the KB, in the bot's order
    (the menu's words and /help's, small talk and yes or no, a pick from a list, a request for
    a person); None when the bot asks the KB."""
    word = _menu_word(question)
    if word is not None:
        return texts.ASK_MENU if word == "menu" else texts.ASK_HELP
    if _not_a_question(question):
        return texts.ASK_NOT_A_QUESTION
    if _is_a_pick(question):
        return texts.ASK_PICK
    if _asks_for_person(question):
        return texts.ASK_PERSON
    refused = _refused_person(question)
    if refused is not None:
        if not refused or _not_a_question(refused):
            return texts.ASK_NO_PERSON
        return texts.ASK_NO_PERSON_QUESTION.format(question=refused)
    return None


def _chat(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    if isinstance(sys.stdin, io.TextIOWrapper):
        # A terminal in another encoding (Windows' Arabic code page) must not end the chat.
        sys.stdin.reconfigure(errors="replace")
    print(texts.CHAT_GREETING.format(articles=texts.fa_number(len(kb))))
    choices: tuple[str, ...] = ()
    hits: tuple[Hit, ...] = ()  # what the last question found
    answered: str | None = None  # the article just shown, asking "was this helpful?"
    failures = 0  # «نه» in a row, as the bot counts them: the second goes to a person
    suggested_for: str | None = None  # the question whose guides are on screen to pick from
    while True:
        try:
            line = input(texts.CHAT_PROMPT).strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if line.lower() in texts.CHAT_EXIT_WORDS:
            return 0
        if not line:
            continue
        kb.reload()  # editors see their edits without restarting the chat
        word = _menu_word(line)
        if word == "menu":  # the categories, as the keyboard's button shows them
            print(texts.CHAT_MENU.format(categories="، ".join(kb.categories()) or "—"))
            choices, answered = (), None  # a «۲» now picks no old guide
            continue
        if word == "help":
            print(texts.CHAT_HELP)
            continue
        picked = _picked_choice(line, choices)
        if picked is not None:
            article = kb.get(picked)
            if article is not None:
                print(f"{article.title}\n\n{plain_text(article.body)}\n\n{texts.CHAT_HELPFUL}")
                answered = article.id
                continue
        if picked is None and _is_a_pick(line):  # «۲» with nothing to pick: no question
            print(texts.CHAT_NOTHING_TO_PICK)
            continue
        reply = _typed_answer(line, hits, answered, choices, failures)
        if reply is not None:  # «بله» / «کار نکرد» under an answer, «هیچکدوم» over choices
            text, choices, failures = reply
            answered = None
            print(text)
            continue
        if _not_a_question(line):
            print(texts.CHAT_NOT_A_QUESTION)
            continue
        if _asks_for_person(line):
            print(texts.CHAT_PERSON)
            continue
        refused = _refused_person(line)
        if refused is not None and (not refused or _not_a_question(refused)):
            print(texts.CHAT_NO_PERSON)  # «کارشناس نمیخوام»: nothing asked
            continue
        decision = kb.ask((refused or line)[:MAX_INPUT_LINE])
        if suggested_for is not None and choices and answered is None and decision.kind != "answer":
            # The rest of the question whose guides are on screen, as the bot reads it.
            together = kb.ask(f"{suggested_for}\n{refused or line}"[:MAX_INPUT_LINE])
            if _read_together(refused or line, decision, together):
                decision = together
        suggested_for = (refused or line) if decision.kind == "suggest" else None
        if refused is not None and decision.kind == "handoff":
            print(texts.CHAT_NO_GUIDE_NO_PERSON)  # a person offered, not imposed
            choices, hits, answered = (), decision.hits, None
            continue
        if decision.kind == "suggest" and _too_many_failures(failures) and refused is None:
            print(texts.CHAT_HANDOFF)  # the bot offers no more guides after two «نه»
            choices, hits, answered, failures = (), decision.hits, None, 0
            continue
        choices = tuple(hit.article_id for hit in decision.choices)
        hits = decision.hits
        answered = decision.top.article_id if decision.kind == "answer" and decision.top else None
        _print_decision(kb, decision, sys.stdout, verbose=False)


def _typed_answer(
    line: str,
    hits: tuple[Hit, ...],
    answered: str | None,
    choices: tuple[str, ...],
    failures: int,
) -> tuple[str, tuple[str, ...], int] | None:
    """What the bot does with a typed yes or no to its last question, the choices it then
    offers and the «no»s in a row: thanks; after a «no» to an answer, the other guides (as 👎
    brings them), or a person after a second; «no» over the guides offered, a person. None
    when the line answers no such question."""
    from triage import after_not_helpful  # the bot's own rule after a «no»
    from triage.yesno import yes_or_no

    typed = yes_or_no(line)
    if typed is None or (answered is None and not choices):
        return None
    if answered is None:
        return (texts.CHAT_HANDOFF_NONE, (), 0) if typed == "no" else None
    if typed == "yes":
        return texts.CHAT_THANKS, (), 0
    outcome = after_not_helpful(hits, answered, failed_attempts=failures)
    if outcome.action == "handoff":
        return texts.CHAT_NOT_HELPFUL_PERSON, (), 0
    if not outcome.hits:
        return texts.CHAT_NOT_HELPFUL_NOTHING_ELSE, (), failures + 1
    lines = [texts.CHAT_NOT_HELPFUL]
    lines += [f"  {texts.fa_number(n)}. {hit.title}" for n, hit in enumerate(outcome.hits, 1)]
    lines.append(f"  {texts.CHAT_NONE_OF_THESE}")
    return "\n".join(lines), tuple(hit.article_id for hit in outcome.hits), failures + 1


def _too_many_failures(failures: int) -> bool:
    """Whether the bot would hand a doubtful question to a person after these «no»s."""
    from triage.decide import MAX_FAILED_ATTEMPTS

    return failures >= MAX_FAILED_ATTEMPTS


def _not_a_question(line: str) -> bool:
    """What the bot answers without the KB: «سلام», «ممنون», «👍», a bare «بله» or «نه»."""
    from triage.smalltalk import small_talk  # the bot's own reading
    from triage.yesno import yes_or_no

    return small_talk(line) is not None or yes_or_no(line) is not None


def _asks_for_person(line: str) -> bool:
    """«با کارشناس صحبت کنم»: the bot hands the conversation over without asking the KB."""
    from triage.person import asks_for_person

    return asks_for_person(line)


def _read_together(line: str, alone: Decision, together: Decision) -> bool:
    """Whether the bot reads a line with the question before it (whose guides wait)."""
    from triage import read_together

    return read_together(line, alone, together)


def _refused_person(line: str) -> str | None:
    """«کارشناس نمیخوام، …»: what else the line says, as the bot reads a refused person."""
    from triage.refusal import refused_person

    return refused_person(line)


def _menu_word(line: str) -> str | None:
    """«منو», «راهنما»: the words for the bot's menu or its help, as the bot reads them."""
    from triage.menu import menu_word

    return menu_word(line)


def _is_a_pick(line: str) -> bool:
    """«۲», «دومی»: a pick from a list, as the bot reads it, never a question."""
    from triage.choice import typed_choice

    return typed_choice(line) is not None


def _picked_choice(line: str, choices: tuple[str, ...]) -> str | None:
    """The article a reply such as «۲» or «دومی» picks from the choices just offered (or
    «بله», the one guide offered alone), as the bot takes it."""
    from triage.choice import typed_choice  # the bot's reading of a typed pick
    from triage.yesno import yes_or_no

    position = typed_choice(line)
    if position is not None and position <= len(choices):
        return choices[position - 1]
    if len(choices) == 1 and yes_or_no(line) == "yes":
        return choices[0]
    return None


# Characters str.splitlines() breaks at that JSON leaves as they are: escaped, so a reader
# splitting on any line break still gets one object a line.
_LINE_BREAKS_IN_JSON = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


def json_line(value: object) -> str:
    """One JSON object on one line, readable Persian, whatever the text holds."""
    return json.dumps(value, ensure_ascii=False).translate(_LINE_BREAKS_IN_JSON)


def _query(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    stdin = sys.stdin.buffer
    out = sys.stdout
    for raw in stdin:
        # Exactly one output line per input line, whatever the bytes are.
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        decision = kb.ask(line[:MAX_INPUT_LINE])
        out.write(json_line(_decision_json(decision, query=line)) + "\n")
        out.flush()
    return 0


def _eval(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    try:
        questions = read_questions(args.questions)
    except (OSError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    missing = unknown_ids(questions, (a.id for a in kb.articles))
    if missing:
        print(texts.EVAL_UNKNOWN_IDS.format(ids="، ".join(missing)), file=sys.stderr)
        return 2
    report = evaluate(kb.ask, questions)
    figures = report.summary()
    # The bot hands these to a person before the KB sees them: no ranking can answer them.
    answerable = [q.question for q in questions if q.expected is not None]
    taken = sum(_asks_for_person(question) for question in answerable)
    figures["read_as_request"] = taken / len(answerable) if answerable else 0.0
    if args.json:  # one JSON document: the misses, when asked for, inside it
        misses = {"misses": [_miss_json(item, decision) for item, decision in report.misses]}
        document = {**figures, **misses} if args.misses else figures
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        for name, value in figures.items():
            print(f"{name:28} {value:.3f}" if isinstance(value, float) else f"{name:28} {value}")
    if args.misses and not args.json:
        for item, decision in report.misses:
            top = decision.top.article_id if decision.top else "-"
            print(
                f"[{decision.kind} {decision.confidence:.2f} top={top} expected={item.expected}] "
                f"{item.question}"
            )
    failures = _failed_limits(report.summary(), args)
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


def _miss_json(item: LabelledQuestion, decision: Decision) -> dict[str, object]:
    return {
        "question": item.question,
        "expected": item.expected,
        "kind": item.kind,
        "decision": decision.kind,
        "confidence": decision.confidence,
        "top": decision.top.article_id if decision.top else None,
    }


def _failed_limits(figures: dict[str, float | int], args: argparse.Namespace) -> list[str]:
    limits = (
        ("top1", args.min_top1, "min"),
        ("mrr@5", args.min_mrr, "min"),
        ("precision", args.min_precision, "min"),
        ("coverage", args.min_coverage, "min"),
        ("unanswerable_answered", args.max_unanswerable_answered, "max"),
        ("handed_off", args.max_handed_off, "max"),
    )
    failures = []
    for name, limit, kind in limits:
        if limit is None:
            continue
        value = float(figures[name])
        if (kind == "min" and value < limit) or (kind == "max" and value > limit):
            text = texts.EVAL_FAILED_LIMIT if kind == "min" else texts.EVAL_FAILED_LIMIT_MAX
            failures.append(text.format(name=name, value=f"{value:.3f}", limit=limit))
    return failures


def _decision_json(decision: Decision, query: str | None = None) -> dict[str, object]:
    return {
        "query": decision.query if query is None else query,
        "decision": decision.kind,
        "hits": [{"id": hit.article_id, "score": hit.score} for hit in decision.hits[:5]],
    }


def _print_decision(kb: KnowledgeBase, decision: Decision, out: TextIO, *, verbose: bool) -> None:
    if verbose:
        out.write(
            texts.ASK_HEADER.format(
                kind=texts.DECISION_NAMES[decision.kind],
                confidence=texts.fa_number(f"{decision.confidence:.2f}"),
            )
            + "\n"
        )
        if decision.kind == "handoff" and decision.reason in texts.HANDOFF_WHY:
            out.write(f"  {texts.HANDOFF_WHY[decision.reason]}\n")
        for hit in decision.hits:
            out.write(f"  {hit.article_id:32} {texts.fa_number(f'{hit.score:.3f}')}  {hit.title}\n")
        out.write("\n")
    if decision.kind == "answer" and decision.top is not None:
        article = kb.get(decision.top.article_id)
        if article is not None:
            out.write(f"{article.title}\n\n{plain_text(article.body)}\n\n")
        out.write(texts.CHAT_HELPFUL + "\n")
    elif decision.kind == "suggest":
        one = len(decision.choices) == 1
        out.write((texts.CHAT_SUGGEST_ONE if one else texts.CHAT_SUGGEST) + "\n")
        for number, hit in enumerate(decision.choices, start=1):
            out.write(f"  {texts.fa_number(number)}. {hit.title}\n")
        out.write(f"  {texts.CHAT_NONE_OF_THESE}\n")
    else:
        out.write(texts.CHAT_HANDOFF + "\n")
    out.flush()
