"""Helpers for the bot's tests: a small Persian KB, settings pointing at the fake, a running bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.main import serve
from storage.db import create_engine_from_url, make_sessionmaker
from tests.fake_telegram import FakeTelegram

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

# A question answered outright, one that is ambiguous, and one nothing fits.
ANSWERED = "رمزم یادم رفته"
ANSWER_TITLE = "بازیابی رمز عبور"
AMBIGUOUS = "وصل نمیشه"
UNKNOWN = "قیمت گوجه چنده"

ARTICLES = {
    "account/password-reset.md": """
        ---
        id: password-reset
        title: بازیابی رمز عبور
        questions:
          - رمزم را فراموش کرده‌ام
          - رمز عبورم یادم رفته
          - چطور رمز عبورم را عوض کنم؟
        tags: [ورود, رمز]
        category: حساب کاربری
        ---
        برای بازیابی رمز عبور:

        1. به **پورتال کاربری** بروید.
        2. روی «فراموشی رمز» بزنید و کد ارسال‌شده به تلفن همراه را وارد کنید.

        > رمز تازه باید دست‌کم ۸ نویسه داشته باشد.
        """,
    "account/account-locked.md": """
        ---
        id: account-locked
        title: قفل شدن حساب کاربری
        questions:
          - حسابم قفل شده
          - چند بار رمز را اشتباه زدم و حسابم بسته شد
        tags: [ورود, قفل]
        category: حساب کاربری
        ---
        اگر پنج بار رمز را اشتباه وارد کنید، حساب **۳۰ دقیقه** قفل می‌شود.
        """,
    "network/vpn.md": """
        ---
        id: vpn-connect
        title: اتصال به وی‌پی‌ان شرکت
        questions:
          - وی پی ان وصل نمیشه
          - چطور به vpn شرکت وصل شوم
        tags: [شبکه, vpn]
        category: شبکه
        ---
        نرم‌افزار `AnyConnect` را باز کنید و نشانی `vpn.example.com` را بزنید.
        """,
    "network/wifi.md": """
        ---
        id: office-wifi
        title: اتصال به وای‌فای دفتر
        questions:
          - رمز وای فای دفتر چیه
          - اینترنت وای فای دفتر وصل نمیشه
        tags: [شبکه, وای‌فای]
        category: شبکه
        ---
        به شبکهٔ «Office» وصل شوید و نام کاربری و رمز سازمانی را وارد کنید.
        """,
    "email/email-setup.md": """
        ---
        id: email-setup
        title: راه‌اندازی ایمیل سازمانی در گوشی
        questions:
          - ایمیل سازمانی را چطور روی گوشی بیاورم
          - تنظیم ایمیل روی موبایل
        tags: [ایمیل]
        category: ایمیل
        ---
        در برنامهٔ ایمیل گوشی، حساب Exchange بسازید؛ سرور: `mail.example.com`.
        """,
}


def write_kb(directory: Path) -> Path:
    """Write the test KB (5 Persian articles in 3 categories) under `directory`."""
    for relative, text in ARTICLES.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return directory


def bot_env(fake: FakeTelegram, database_url: str, kb_dir: Path, **extra: str) -> dict[str, str]:
    """Return the environment of a `python -m bot` process on the fake (limits off for speed)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(REPO),
        **fake.env(),
        "DATABASE_URL": database_url,
        "KB_DIR": str(kb_dir),
        "POLL_TIMEOUT": "2",
        "TELEGRAM_OVERALL_MAX_RATE": "0",
        "TELEGRAM_GROUP_MAX_RATE": "0",
        "LOG_LEVEL": "INFO",
    }
    env.update(extra)
    return env


def make_settings(fake: FakeTelegram, database_url: str, kb_dir: Path, **extra: Any) -> Settings:
    """Return in-process settings on the fake (no .env read)."""
    values: dict[str, Any] = {
        "telegram_bot_token": fake.token,
        "agent_chat_id": fake.agent_chat_id,
        "database_url": database_url,
        "kb_dir": kb_dir,
        "telegram_base_url": fake.base_url,
        "telegram_base_file_url": fake.base_file_url,
        "poll_timeout": 2,
        "telegram_overall_max_rate": 0,
        "telegram_group_max_rate": 0,
    }
    values.update(extra)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def reloading(
    fake: FakeTelegram, database_url: str, kb_dir: Path, caplog: pytest.LogCaptureFixture
) -> Settings:
    """Settings of a bot that reloads the KB at once, its reloads in caplog."""
    caplog.set_level(logging.INFO, logger="kb.service")
    return make_settings(fake, database_url, kb_dir, kb_reload_interval=0.1)


@dataclass
class RunningBot:
    """A bot serving in this event loop; `db` opens sessions on its database."""

    settings: Settings
    task: asyncio.Task[None]
    stop: asyncio.Event

    async def db(self, query: Callable[[AsyncSession], Any]) -> Any:
        """Run `query(session)` in a fresh transaction and return its result."""
        engine = create_engine_from_url(self.settings.database_url)
        try:
            async with make_sessionmaker(engine).begin() as session:
                return await query(session)
        finally:
            await engine.dispose()

    async def rows(self, model: Any, *where: Any) -> list[Any]:
        """Return all rows of a model (optionally filtered), oldest first."""

        async def query(session: AsyncSession) -> list[Any]:
            stmt = select(model).where(*where) if where else select(model)
            return list(await session.scalars(stmt))

        result: list[Any] = await self.db(query)
        return result


@contextlib.asynccontextmanager
async def running_bot(
    settings: Settings, fake: FakeTelegram, *, start_timeout: float = 20
) -> AsyncIterator[RunningBot]:
    """Serve the bot in-process until the block ends (then stop it cleanly); `start_timeout`
    bounds how long it may take to load its KB and start polling."""
    stop = asyncio.Event()
    # Polling, it asks for updates; with a webhook, it tells Telegram where to send them.
    started = "setWebhook" if settings.webhook_url else "getUpdates"
    calls_before = len(fake.calls(started))
    task = asyncio.create_task(serve(settings, stop))
    await fake.wait_for_async(
        lambda: task.done() or len(fake.calls(started)) > calls_before,
        timeout=start_timeout,
        what="the bot to start",
    )
    if task.done():
        task.result()
    try:
        yield RunningBot(settings, task, stop)
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


def template_database(directory: Path) -> Path:
    """Create a migrated SQLite database once; tests copy it (migrations take a while)."""
    path = directory / "template.sqlite3"
    if not path.exists():
        subprocess.run(
            [
                PYTHON,
                "-c",
                "import asyncio,sys; from storage.db import migrate; "
                "asyncio.run(migrate(sys.argv[1]))",
                f"sqlite+aiosqlite:///{path}",
            ],
            check=True,
            cwd=REPO,
        )
    return path


def fresh_database(template: Path, directory: Path) -> str:
    """Copy the migrated template into `directory`; return its URL."""
    target = directory / "pasokh.sqlite3"
    shutil.copyfile(template, target)
    return f"sqlite+aiosqlite:///{target}"


async def settled(bot: RunningBot, fake: FakeTelegram, within: float = 10) -> None:
    """Wait until every injected update is stored and processed (nothing pending anywhere)."""
    from storage.models import InboxUpdate

    deadline = asyncio.get_running_loop().time() + within
    while True:
        if not fake.pending_updates():
            pending = await bot.rows(InboxUpdate, InboxUpdate.status == "pending")
            if not pending:
                return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(
                f"the bot did not settle: {len(fake.pending_updates())} unconfirmed"
            )
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def out_of_reach_while_sending(
    fake: FakeTelegram, chat_id: int, seconds: float
) -> AsyncIterator[None]:
    """Telegram out of reach (filtered, the proxy down) as the bot's next message to `chat_id`
    goes, which the caller makes go inside the block: the connection drops with it on its
    way (it never got through), new ones are refused for `seconds`, then Telegram is back."""
    on_its_way, cut = threading.Event(), threading.Event()

    def hold(_method: str, _params: dict[str, Any]) -> None:
        on_its_way.set()
        cut.wait(10)

    fake.during_next("sendMessage", hold, where={"chat_id": chat_id})
    fake.fail_next("sendMessage", status=502, chat_id=chat_id)  # it never got through
    yield
    await fake.wait_for_async(on_its_way.is_set, timeout=10, what="the message on its way")
    await asyncio.to_thread(fake.stop)  # the connection drops; new ones are refused
    cut.set()
    await asyncio.sleep(seconds)
    await asyncio.to_thread(fake.start)


def texts_of(messages: list[Any]) -> list[str]:
    """Return the visible text (or caption) of each message."""
    return [m.content or "" for m in messages]


class BotProcess:
    """`python -m bot` as a subprocess, its stderr kept in a file."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env = env
        self.workdir = workdir
        self.log_path = workdir / f"bot-{id(self)}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, fake: FakeTelegram, *, wait: bool = True) -> BotProcess:
        """Start the bot; by default wait until it long-polls the fake (or sets its webhook)."""
        started = "setWebhook" if self.env.get("WEBHOOK_URL") else "getUpdates"
        before = len(fake.calls(started))
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [PYTHON, "-m", "bot"], env=self.env, cwd=self.workdir, stdout=log, stderr=log
            )
        if wait:
            fake.wait_for(
                lambda: (
                    self.process is not None
                    and (self.process.poll() is not None or len(fake.calls(started)) > before)
                ),
                timeout=30,
                what="the bot process to start",
            )
            assert self.process.poll() is None, self.log()
        return self

    def wait(self, timeout: float = 30) -> int:
        """Wait for the process to exit; return its exit code."""
        assert self.process is not None
        return self.process.wait(timeout)

    def stop(self) -> int:
        """Stop with SIGTERM (a clean shutdown); return the exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(30)

    def kill(self) -> None:
        """Kill -9: no chance to finish anything."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(30)

    def log(self) -> str:
        """Return what the process wrote."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")
