"""Throughput and latency of the bot against the fake Telegram server, beside a bare echo bot.

Starts the fake Bot API server (tests/fake_telegram) on loopback, then, one after
the other on that same server, `python -m tests.fake_telegram.echo_bot` and
`python -m bot` (SQLite logging on, a fresh database under a temp dir). Many
customers write at once, each sending its next question when the previous one
was answered (closed loop). Prints answered messages per second and p50/p99
from a customer's message to the bot's reply (the time the fake received the
reply), and the bot's throughput as a share of the echo bot's.

    .venv/bin/python bench/bot_throughput.py [--customers 100] [--messages 10] [--webhook]

Only loopback, bounded in count (customers x messages) and time (--timeout).
BENCH_CONCURRENCY sets the bot's MAX_CONCURRENT_UPDATES (default 64);
BENCH_PROFILE=/path runs the bot under cProfile and writes the stats there.
Outgoing rate limits and flood control are turned off for both bots: the bench
measures the bots, not Telegram's limits (30 messages/s would cap both).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import triage  # noqa: E402
from kb.loader import load_articles  # noqa: E402
from kb.service import KnowledgeBase  # noqa: E402
from tests.fake_telegram import FakeTelegram, User  # noqa: E402


@dataclass
class Result:
    """What one run measured."""

    name: str
    answered: int
    expected: int
    seconds: float
    latencies: list[float]
    cpu_seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.answered / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def line(self) -> str:
        return (
            f"{self.name:<30} {self.answered:>5}/{self.expected:<5}"
            f" answered in {self.seconds:6.2f}s"
            f"  {self.rate:8.1f} msg/s  p50 {self.percentile(0.5) * 1000:7.1f} ms"
            f"  p99 {self.percentile(0.99) * 1000:7.1f} ms"
            f"  cpu {self.cpu_seconds / max(self.answered, 1) * 1000:5.2f} ms/msg"
        )


def answered_questions(kb_dir: Path) -> list[str]:
    """Return KB phrasings the bot answers outright (so each message gets exactly one reply)."""
    kb = KnowledgeBase(kb_dir)
    questions = [q for a in load_articles(kb_dir).articles for q in a.questions]
    good = [q for q in questions if triage.decide(q, kb.ask(q)).action == "answer"]
    if not good:
        raise SystemExit(f"no question in {kb_dir} is answered outright")
    return good


class Driver:
    """Closed loop: every customer sends its next message once the previous one is answered."""

    def __init__(self, fake: FakeTelegram, users: list[User], questions: list[str], each: int):
        self.fake = fake
        self.questions = questions
        self.each = each
        self.remaining = {u.id: each for u in users}
        self.users = {u.id: u for u in users}
        self.sent_at: dict[int, float] = {}
        self.latencies: list[float] = []
        self.answered = 0
        self.first_sent = 0.0
        self.last_answer = 0.0
        self._cursor = 0
        self._counter = 0

    def _send(self, user_id: int) -> None:
        self.remaining[user_id] -= 1
        question = self.questions[self._counter % len(self.questions)]
        self._counter += 1
        self.sent_at[user_id] = time.time()
        self.fake.user_sends_text(self.users[user_id], question)

    def run(self, timeout: float) -> None:
        state = self.fake.state
        with state.lock:
            self._cursor = len(state.calls)
        self.first_sent = time.time()
        for user_id in list(self.users):
            self._send(user_id)
        deadline = time.monotonic() + timeout
        expected = len(self.users) * self.each
        with state.changed_cv:
            while self.answered < expected and time.monotonic() < deadline:
                calls = state.calls
                fresh = calls[self._cursor :]
                self._cursor = len(calls)
                for call in fresh:
                    if call.method != "sendMessage" or not call.ok:
                        continue
                    chat_id = int(call.params.get("chat_id", 0))
                    sent = self.sent_at.pop(chat_id, None)
                    if sent is None:
                        continue
                    self.answered += 1
                    self.latencies.append(call.at - sent)
                    self.last_answer = call.at
                    if self.remaining[chat_id] > 0:
                        self._send(chat_id)
                if self.answered < expected:
                    state.changed_cv.wait(0.5)


def process_cpu(pid: int) -> float:
    """Return the CPU seconds (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def wait_polling(
    fake: FakeTelegram, process: subprocess.Popen[bytes], timeout: float, started: str
) -> None:
    """Wait until the process long-polls the fake or sets its webhook (`started`), or died."""
    before = len(fake.calls(started))
    fake.wait_for(
        lambda: process.poll() is not None or len(fake.calls(started)) > before,
        timeout=timeout,
        what="the bot to start",
    )
    if process.poll() is not None:
        raise SystemExit(f"the bot exited with {process.returncode}")


def run_one(
    name: str,
    command: list[str],
    env: dict[str, str],
    fake: FakeTelegram,
    questions: list[str],
    customers: int,
    each: int,
    timeout: float,
    log: Path,
) -> Result:
    """Start one bot on the fake, drive it, stop it; return what was measured."""
    users = [fake.new_user(f"مشتری {i}") for i in range(customers)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=REPO, stdout=out, stderr=out)
        try:
            started = "setWebhook" if env.get("WEBHOOK_URL") else "getUpdates"
            wait_polling(fake, process, timeout=60, started=started)
            if started == "setWebhook":  # the feed takes the lease just after
                time.sleep(1)
            # Warm up (imports, first queries, connections) outside the measurement.
            warm = fake.new_user("گرم‌کردن")
            fake.user_sends_text(warm, questions[0])
            fake.wait_for_messages(warm.id, 1, timeout=30)
            driver = Driver(fake, users, questions, each)
            cpu_before = process_cpu(process.pid)
            driver.run(timeout)
            cpu = process_cpu(process.pid) - cpu_before
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    seconds = max(driver.last_answer - driver.first_sent, 1e-9)
    return Result(name, driver.answered, customers * each, seconds, driver.latencies, cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100, help="customers writing at once")
    parser.add_argument("--messages", type=int, default=10, help="messages per customer")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per run, at most")
    parser.add_argument("--kb-dir", type=Path, default=REPO / "kb" / "articles")
    parser.add_argument(
        "--concurrent-echo",
        action="store_true",
        help="also run the echo bot with concurrent_updates",
    )
    parser.add_argument(
        "--webhook",
        action="store_true",
        help="also run the bot in webhook mode (the fake pushes one update at a time)",
    )
    args = parser.parse_args()
    if not (1 <= args.customers <= 2000 and 1 <= args.messages <= 100):
        raise SystemExit("keep it bounded: 1..2000 customers, 1..100 messages each")

    questions = answered_questions(args.kb_dir)
    python = sys.executable
    base_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPO)}
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="pasokh-bench-") as tmp, FakeTelegram() as fake:
        echo_env = {**base_env, **fake.env(), "POLL_TIMEOUT": "10"}
        runs: list[tuple[str, list[str], dict[str, str]]] = [
            ("echo bot (PTB, sequential)", [python, "-m", "tests.fake_telegram.echo_bot"], echo_env)
        ]
        if args.concurrent_echo:
            runs.append(
                (
                    "echo bot (PTB, concurrent)",
                    [python, "-m", "tests.fake_telegram.echo_bot"],
                    {**echo_env, "ECHO_CONCURRENT_UPDATES": "1"},
                )
            )
        bot_env = {
            **base_env,
            **fake.env(),
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bench.sqlite3",
            "KB_DIR": str(args.kb_dir),
            "POLL_TIMEOUT": "10",
            "TELEGRAM_OVERALL_MAX_RATE": "0",
            "TELEGRAM_GROUP_MAX_RATE": "0",
            "FLOOD_MAX_MESSAGES": "100000",
            "LOG_LEVEL": "WARNING",
            "MAX_CONCURRENT_UPDATES": os.environ.get("BENCH_CONCURRENCY", "64"),
        }
        bot_command = [python, "-m", "bot"]
        if os.environ.get("BENCH_PROFILE"):
            bot_command = [python, "-m", "cProfile", "-o", os.environ["BENCH_PROFILE"], "-m", "bot"]
        runs.append(("pasokh bot (SQLite log)", bot_command, bot_env))
        if args.webhook:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            webhook_env = {
                **bot_env,
                "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bench-webhook.sqlite3",
                "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
                "WEBHOOK_LISTEN": "127.0.0.1",
                "WEBHOOK_PORT": str(port),
            }
            runs.append(("pasokh bot (webhook, SQLite)", bot_command, webhook_env))
        for name, command, env in runs:
            log = Path(tmp) / f"{len(results)}.log"
            result = run_one(
                name,
                command,
                env,
                fake,
                questions,
                args.customers,
                args.messages,
                args.timeout,
                log,
            )
            results.append(result)
            print(result.line(), flush=True)
            if result.answered < result.expected:
                print(log.read_text(errors="replace")[-3000:], file=sys.stderr)

    echo = results[0]
    bot = next(r for r in results if r.name.startswith("pasokh bot (SQLite"))
    share = bot.rate / echo.rate * 100 if echo.rate else float("nan")
    print(
        f"\n{args.customers} customers x {args.messages} messages, "
        f"{len(questions)} distinct questions; pasokh = {share:.0f}% of the echo bot's "
        f"throughput (target >= 50%)"
    )
    if bot.latencies:
        print(f"pasokh latency mean {statistics.fmean(bot.latencies) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
