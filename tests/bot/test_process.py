"""`python -m bot` as a real process: start-up checks, a crash and a restart, PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from bot import desk_texts
from storage.db import create_engine_from_url, make_sessionmaker
from storage.models import (
    Customer,
    Feedback,
    InboxUpdate,
    KBDecision,
    KeyValue,
    Message,
    MessageLink,
    Ticket,
)
from tests.bot.support import (
    AMBIGUOUS,
    ANSWER_TITLE,
    ANSWERED,
    PYTHON,
    REPO,
    UNKNOWN,
    BotProcess,
    bot_env,
    make_settings,
    running_bot,
)
from tests.bot.tcp_proxy import TcpProxy
from tests.fake_telegram import FakeTelegram

POSTGRES_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"

pytestmark = pytest.mark.e2e


async def query(url: str, run: Callable[[AsyncSession], Any]) -> Any:
    """Run `run(session)` against the bot's database from the outside."""
    engine = create_engine_from_url(url)
    try:
        async with make_sessionmaker(engine).begin() as session:
            return await run(session)
    finally:
        await engine.dispose()


async def rows(url: str, model: Any, *where: Any) -> list[Any]:
    """Return the rows of a model, oldest first."""

    async def run(session: AsyncSession) -> list[Any]:
        stmt = select(model).where(*where) if where else select(model)
        return list(await session.scalars(stmt))

    result: list[Any] = await query(url, run)
    return result


async def settled(url: str, fake: FakeTelegram, within: float = 20) -> None:
    """Wait until the fake has nothing unconfirmed and the inbox nothing pending."""
    for _ in range(int(within / 0.1)):
        if not fake.pending_updates() and not await rows(
            url, InboxUpdate, InboxUpdate.status == "pending"
        ):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the bot process did not settle")


async def wait_for_plans(url: str, update_ids: list[int], within: float = 20) -> None:
    """Wait until each update's decision and plan are committed (the bot holds its sends)."""
    keys = [f"plan:{update_id}" for update_id in update_ids]
    for _ in range(int(within / 0.05)):
        found = await rows(url, KeyValue, KeyValue.key.in_(keys))
        if len(found) == len(keys):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"plans not stored for {update_ids}")


def run_bot(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot` to its end (for start-up failures)."""
    return subprocess.run(
        [PYTHON, "-m", "bot"], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_missing_token_stops_with_one_clear_line(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO), "AGENT_CHAT_ID": "-1001"}
    result = run_bot(env, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("configuration error: TELEGRAM_BOT_TOKEN is not set")


def test_malformed_settings_are_named_and_the_token_never_echoed(tmp_path: Path) -> None:
    secret = "not-a-token-but-secret"
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO), "TELEGRAM_BOT_TOKEN": secret,
           "AGENT_CHAT_ID": "-1001"}  # fmt: skip
    result = run_bot(env, tmp_path)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is malformed" in result.stderr
    assert secret not in result.stderr + result.stdout
    env.update(TELEGRAM_BOT_TOKEN="123456789:AAFakePasokhTestTokenXXXXXXXXXXXXXXX",
               AGENT_CHAT_ID="agents")  # fmt: skip
    result = run_bot(env, tmp_path)
    assert result.returncode == 2
    assert "AGENT_CHAT_ID is malformed" in result.stderr


def test_a_malformed_kb_setting_stops_the_bot_naming_it_before_any_customer_is_read(
    fake_telegram: FakeTelegram, tmp_path: Path, database_url: str, kb_dir: Path
) -> None:
    env = bot_env(fake_telegram, database_url, kb_dir, KB_ANSWER_THRESHOLD="1.5")
    result = run_bot(env, tmp_path)
    assert result.returncode == 2
    assert "KB_ANSWER_THRESHOLD is malformed" in result.stderr
    assert "see .env.example" in result.stderr
    assert not fake_telegram.calls("getUpdates")


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ({"KB_DIR": "no/such/folder"}, "KB_DIR=no/such/folder is not a folder"),
        ({"HTTPS_PROXY": "socks4://pasokh:proxy-secret@127.0.0.1:1080"}, "'socks4' is not one"),
        ({"HTTPS_PROXY": "http://pasokh:proxy-secret@127.0.0.1:port"}, "port is not a number"),
        ({"DATABASE_URL": "sqlite+aiosqlite:///:memory:"}, "SQLite needs a file"),
        ({"DATABASE_URL": "postgresql+asyncpg://db.example/x?sslmode=require"}, "?ssl=require"),
        ({"DATABASE_URL": "postgresql+asyncpg://db.example:port/x"}, "DATABASE_URL is malformed"),
        # libpq's options, which asyncpg refuses with a traceback.
        ({"DATABASE_URL": "postgresql+asyncpg://db.example/x?connect_timeout=10"}, "?connect_t"),
        ({"INBOX_KEEP_DAYS": "1000000"}, "INBOX_KEEP_DAYS is malformed (input should be less"),
    ],
    ids=[
        "kb-dir",
        "proxy-scheme",
        "proxy-port",
        "sqlite-memory",
        "sslmode",
        "db-port",
        "db-option",
        "days",
    ],
)
def test_a_setting_that_cannot_work_stops_the_bot_with_one_line_and_no_traceback(
    fake_telegram: FakeTelegram,
    tmp_path: Path,
    database_url: str,
    kb_dir: Path,
    setting: dict[str, str],
    said: str,
) -> None:
    result = run_bot(bot_env(fake_telegram, database_url, kb_dir, **setting), tmp_path)
    assert result.returncode == 2
    assert said in result.stderr and "Traceback" not in result.stderr
    assert "proxy-secret" not in result.stderr + result.stdout
    assert not fake_telegram.calls("getUpdates")


@pytest.mark.parametrize(
    ("name", "suffix", "said"),
    [
        ("TELEGRAM_BASE_URL", "", "(the token is appended to it, so it must end in /bot)"),
        ("TELEGRAM_BASE_URL", "/bot/", "(the token is appended to it, so it must end in /bot)"),
        ("TELEGRAM_BASE_FILE_URL", "/file/", "(the token is appended to it, so it must end"),
    ],
)
def test_a_bot_api_address_the_token_cannot_be_appended_to_is_named_not_the_token(
    fake_telegram: FakeTelegram,
    tmp_path: Path,
    database_url: str,
    kb_dir: Path,
    name: str,
    suffix: str,
    said: str,
) -> None:
    # The local Bot API server's address as its documentation gives it, without PTB's /bot:
    # the server answered 404 to /<token>/getMe, and the bot said to copy the token again.
    address = f"http://127.0.0.1:{fake_telegram.port}{suffix}"
    result = run_bot(bot_env(fake_telegram, database_url, kb_dir, **{name: address}), tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"configuration error: {name} is malformed {said}")
    assert "e.g. http://127.0.0.1:8081/" in result.stderr
    assert "TELEGRAM_BOT_TOKEN" not in result.stderr
    assert not fake_telegram.calls("getMe")


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ({}, "KB_DIR=kb/articles is not a folder (from "),
        ({"KB_SEMANTIC": "maybe"}, "KB_SEMANTIC is malformed"),
    ],
    ids=["wrong-folder", "kb-setting"],
)
def test_a_kb_setting_that_stops_the_start_leaves_no_database_behind(
    fake_telegram: FakeTelegram, tmp_path: Path, setting: dict[str, str], said: str
) -> None:
    # A service started without its working directory: the bot made data/pasokh.sqlite3
    # there (in /, say), then said KB_DIR was not a folder.
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(REPO),
        **fake_telegram.env(),
        "KB_DIR": str(REPO / "kb" / "articles"),
        **setting,
    }
    if not setting:
        del env["KB_DIR"]
    result = run_bot(env, tmp_path)
    assert result.returncode == 2
    assert said in result.stderr
    assert list(tmp_path.iterdir()) == []
    assert not fake_telegram.calls("getMe")


def test_an_unreadable_dotenv_stops_the_bot_with_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes("AGENT_CHAT_ID=-1001\nNOTE=caf\xe9\n".encode("latin-1"))
    result = run_bot({"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO)}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: cannot read .env (UnicodeDecodeError); it must be a readable "
        "UTF-8 file of NAME=value lines"
    ]


def test_telegram_failing_a_call_at_start_stops_the_bot_with_one_line(
    fake_telegram: FakeTelegram, tmp_path: Path, database_url: str, kb_dir: Path
) -> None:
    fake_telegram.fail_next("getChat", status=500)
    result = run_bot(bot_env(fake_telegram, database_url, kb_dir), tmp_path)
    assert result.returncode == 1
    assert "the Bot API server failed a call (NetworkError: " in result.stderr
    assert "Traceback" not in result.stderr


@contextlib.contextmanager
def web_server(status: int) -> Iterator[str]:
    """An HTTP server on loopback answering every request with a web page and `status`, as
    nginx in front of nothing, a filter or a captive portal does; yield its /bot address."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            page = b"<html>\r\n<head><title>Not Found</title></head>\r\n<body>nginx</body></html>"
            self.send_response(status)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/bot"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("status", "said"), [(404, "(Not Found (404): <html>"), (200, "(<html>")])
def test_a_web_page_instead_of_the_bot_api_is_told_as_such_not_as_a_bad_token(
    fake_telegram: FakeTelegram,
    tmp_path: Path,
    database_url: str,
    kb_dir: Path,
    status: int,
    said: str,
) -> None:
    with web_server(status) as address:
        env = bot_env(fake_telegram, database_url, kb_dir, TELEGRAM_BASE_URL=address)
        result = run_bot(env, tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr  # PTB logged one, with the whole page
    [line] = [line for line in result.stderr.splitlines() if " ERROR " in line]
    assert f"the Bot API server's address, {address}, answered with something else than " in line
    assert f"the Bot API {said} <head><title>Not Found</title></head> <body>nginx" in line
    assert line.endswith(
        "check TELEGRAM_BASE_URL, and the proxy (HTTPS_PROXY or ALL_PROXY) where Telegram is "
        "filtered"
    )
    assert "TELEGRAM_BOT_TOKEN" not in line
    assert fake_telegram.token.partition(":")[2] not in result.stderr


def test_bot_that_cannot_manage_topics_refuses_to_start(
    fake_telegram: FakeTelegram, tmp_path: Path, database_url: str, kb_dir: Path
) -> None:
    fake_telegram.set_bot_rights(can_manage_topics=False)
    result = run_bot(bot_env(fake_telegram, database_url, kb_dir), tmp_path)
    assert result.returncode == 2
    assert "Manage topics" in result.stderr
    assert fake_telegram.token not in result.stderr


def test_a_proxy_named_in_dotenv_carries_the_calls_and_is_logged_without_its_password(
    fake_telegram: FakeTelegram, tmp_path: Path, database_url: str, kb_dir: Path
) -> None:
    with socket.socket() as closed:  # a proxy that is not running: nothing gets through
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    (tmp_path / ".env").write_text(
        f"ALL_PROXY=socks5://pasokh:proxy-secret@127.0.0.1:{port}\n", encoding="utf-8"
    )
    result = run_bot(bot_env(fake_telegram, database_url, kb_dir), tmp_path)
    assert result.returncode == 1
    assert f"go through the proxy the environment names (all: socks5://127.0.0.1:{port})" in (
        result.stderr
    )
    assert "cannot reach the Bot API server" in result.stderr
    assert "proxy-secret" not in result.stderr + result.stdout
    assert not fake_telegram.calls("getMe")  # nothing went around the proxy


async def test_kill_9_mid_flight_then_restart_replies_once_and_opens_one_ticket(
    fake_telegram: FakeTelegram, tmp_path: Path, database_url: str, kb_dir: Path
) -> None:
    fake = fake_telegram
    env = bot_env(fake, database_url, kb_dir, LOG_LEVEL="DEBUG")
    first = BotProcess(env, tmp_path).start(fake)
    early, a, b, c, d, e, late = (fake.new_user(f"مشتری {i}") for i in range(7))
    fake.user_sends_text(early, ANSWERED)
    await fake.wait_for_messages_async(early.id, 1)

    # Telegram says "wait a minute" to the next replies, in two chats: the bot's own limit,
    # by all appearances, so the bot holds every send meanwhile.
    fake.fail_next_retry_after("sendMessage", retry_after=60, times=2)
    fake.user_sends_text(a, ANSWERED)
    fake.user_sends_text(b, ANSWERED)
    await fake.wait_for_async(
        lambda: sum(c.status == 429 for c in fake.api_calls("sendMessage")) == 2,
        what="the 429s",
    )
    held_updates = [
        fake.user_sends_text(c, UNKNOWN),  # a hand-off: ticket, topic and card still to do
        fake.user_sends_text(d, "/start"),  # two replies
    ]
    held = [fake.user_sends_text(e, ANSWERED), *held_updates]
    await wait_for_plans(database_url, [u.update_id for u in held])  # decided, all waiting
    first.kill()
    fake.user_sends_text(late, ANSWERED)  # arrives while the bot is down
    fake.clear_failures()

    second = BotProcess(env, tmp_path).start(fake)
    try:
        await fake.wait_for_messages_async(fake.agent_chat_id, 1, timeout=20)
        for user, count in ((a, 1), (b, 1), (c, 1), (d, 2), (e, 1), (late, 1)):
            await fake.wait_for_messages_async(user.id, count, timeout=20)
        await settled(database_url, fake)
        tickets = await rows(database_url, Ticket)
    finally:
        assert second.stop() == 0
    sent = {u.id: len(fake.sent_to(u.id)) for u in (early, a, b, c, d, e, late)}
    assert sent == {early.id: 1, a.id: 1, b.id: 1, c.id: 1, d.id: 2, e.id: 1, late.id: 1}
    assert len(tickets) == 1
    assert len(fake.topics()) == 1
    assert len(fake.sent_to(fake.agent_chat_id)) == 1  # one card
    assert "replaying" in second.log()
    for log in (first.log(), second.log()):
        assert fake.token not in log
        assert fake.token.split(":")[1] not in log


async def test_whole_conversations_through_python_m_bot(
    fake_telegram: FakeTelegram, tmp_path: Path, database_url: str, kb_dir: Path
) -> None:
    fake = fake_telegram
    banned, flooder = fake.new_user("ممنوع"), fake.new_user("عجول")
    env = bot_env(fake, database_url, kb_dir, BANNED_USER_IDS=str(banned.id))
    process = BotProcess(env, tmp_path).start(fake)
    try:
        browser = fake.new_user("مرورگر")
        fake.user_sends_text(browser, "/start")
        _, menu = await fake.wait_for_messages_async(browser.id, 2)
        fake.user_presses_button(browser, menu, "شبکه")
        listing = (await fake.wait_for_messages_async(browser.id, 3))[2]
        fake.user_presses_button(browser, listing, "اتصال به وای‌فای دفتر")
        article = (await fake.wait_for_messages_async(browser.id, 4))[3]
        assert (article.text or "").startswith("اتصال به وای‌فای دفتر")

        unsure = fake.new_user("مردد")
        fake.user_sends_text(unsure, AMBIGUOUS)
        (choices,) = await fake.wait_for_messages_async(unsure.id, 1)
        fake.user_presses_button(unsure, choices, choices.button_texts[0])
        shown = (await fake.wait_for_messages_async(unsure.id, 2))[1]
        fake.user_presses_button(unsure, shown, "بله")

        customer = fake.new_user("نیازمند")
        fake.user_sends_text(customer, "/human")
        (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1)
        media = [
            fake.user_sends_photo(customer),
            fake.user_sends_voice(customer),
            fake.user_sends_document(customer),
            fake.user_sends_sticker(customer),
            fake.user_sends_location(customer),
            fake.user_sends_contact(customer),
            *fake.user_sends_album(customer, 2),
        ]
        await fake.wait_for_messages_async(
            fake.agent_chat_id, 1 + len(media), thread_id=card.thread_id
        )

        for _ in range(14):  # the default limit is 10 messages in 10 seconds
            fake.user_sends_text(flooder, ANSWERED)
        fake.user_sends_text(banned, "/start")
        await settled(database_url, fake)
        feedback = await rows(database_url, Feedback)
    finally:
        assert process.stop() == 0
    copies = fake.sent_to(fake.agent_chat_id, card.thread_id)[1:]
    assert [m.kind for m in copies] == [
        "photo", "voice", "document", "sticker", "location", "contact", "photo", "photo",
    ]  # fmt: skip
    assert [f.helpful for f in feedback] == [True]
    flood_replies = [m.text or "" for m in fake.sent_to(flooder.id)]
    assert len(flood_replies) == 11 and sum("صبر کنید" in t for t in flood_replies) == 1
    assert fake.sent_to(banned.id) == []


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database (dropped afterwards). A missing server fails the test."""
    name = f"pasokh_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.mark.postgres
async def test_answer_and_hand_off_on_postgresql(
    fake_telegram: FakeTelegram, tmp_path: Path, kb_dir: Path, postgres_url: str
) -> None:
    fake = fake_telegram
    process = BotProcess(bot_env(fake, postgres_url, kb_dir), tmp_path).start(fake)
    try:
        user = fake.new_user("پارسا")
        fake.user_sends_text(user, ANSWERED)
        (answer,) = await fake.wait_for_messages_async(user.id, 1, timeout=10)
        fake.user_presses_button(user, answer, "نه")
        await fake.wait_for_messages_async(user.id, 2, timeout=10)
        fake.user_sends_text(user, UNKNOWN)
        (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1, timeout=10)
        fake.user_sends_photo(user, caption="عکس خطا")
        fake.user_sends_text(user, "/human")  # already open: no second ticket
        await fake.wait_for_messages_async(fake.agent_chat_id, 2, thread_id=card.thread_id)
        await settled(postgres_url, fake)
        tickets = await rows(postgres_url, Ticket)
        links = await rows(postgres_url, MessageLink)
        decisions = await rows(postgres_url, KBDecision)
        logged = await rows(postgres_url, Message)
    finally:
        assert process.stop() == 0
    (ticket,) = tickets
    assert (ticket.reason, ticket.question, ticket.thread_id) == (
        "no_answer",
        UNKNOWN,
        card.thread_id,
    )
    assert len(links) == 1
    assert {d.kind for d in decisions} >= {"answer", "handoff"}
    assert len(logged) >= 6
    assert len(fake.topics()) == 1


@dataclass
class ProxiedBot:
    """`python -m bot` on PostgreSQL through a proxy the test can cut."""

    proxy: TcpProxy
    process: BotProcess


@pytest.fixture
def proxied_bot(
    fake_telegram: FakeTelegram, tmp_path: Path, kb_dir: Path, postgres_url: str
) -> Iterator[ProxiedBot]:
    """The bot polling, its database behind a TcpProxy; it must stop cleanly afterwards."""
    proxy = TcpProxy(target=5432).start()
    through_proxy = postgres_url.replace("@127.0.0.1:5432/", f"@127.0.0.1:{proxy.port}/")
    process = BotProcess(bot_env(fake_telegram, through_proxy, kb_dir), tmp_path)
    try:
        yield ProxiedBot(proxy, process.start(fake_telegram))
    finally:
        proxy.close()
        code = process.stop()
    assert code == 0, process.log()


@pytest.mark.postgres
async def test_a_database_outage_delays_answers_and_loses_none(
    fake_telegram: FakeTelegram, proxied_bot: ProxiedBot
) -> None:
    fake, proxy, process = fake_telegram, proxied_bot.proxy, proxied_bot.process
    before, during = fake.new_user("پیش"), fake.new_user("حین")
    fake.user_sends_text(before, ANSWERED)
    await fake.wait_for_messages_async(before.id, 1, timeout=10)
    proxy.cut()
    fake.user_sends_text(during, ANSWERED)
    await asyncio.sleep(4)  # the bot meets the outage: polls, stores, retries
    assert process.process is not None and process.process.poll() is None, process.log()
    proxy.restore()
    (answer,) = await fake.wait_for_messages_async(during.id, 1, timeout=30)
    assert (answer.text or "").startswith(ANSWER_TITLE)


@pytest.mark.postgres
def test_a_database_that_does_not_exist_stops_the_bot_with_one_clear_line(tmp_path: Path) -> None:
    missing = f"pasokh_missing_{uuid.uuid4().hex[:12]}"
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO), "AGENT_CHAT_ID": "-1001",
           "TELEGRAM_BOT_TOKEN": "123456789:AAFakePasokhTestTokenXXXXXXXXXXXXXXX",
           "DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{missing}",
           "KB_DIR": str(REPO / "kb" / "articles")}  # fmt: skip
    result = run_bot(env, tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"cannot open the database postgresql+asyncpg://postgres@127.0.0.1:5432/{missing}: " \
           f'InvalidCatalogNameError (database "{missing}" does not exist); check DATABASE_URL' \
           in result.stderr  # fmt: skip


@pytest.mark.postgres
def test_a_database_password_in_the_urls_query_is_not_shown_either(tmp_path: Path) -> None:
    # asyncpg takes the password as ?password= too; the line naming the database showed it.
    missing = f"pasokh_missing_{uuid.uuid4().hex[:12]}"
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{missing}?password=Hunter2Secret"
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO), "AGENT_CHAT_ID": "-1001",
           "TELEGRAM_BOT_TOKEN": "123456789:AAFakePasokhTestTokenXXXXXXXXXXXXXXX",
           "DATABASE_URL": url, "KB_DIR": str(REPO / "kb" / "articles")}  # fmt: skip
    result = run_bot(env, tmp_path)
    assert result.returncode == 1
    assert f"cannot open the database postgresql+asyncpg://postgres@127.0.0.1:5432/{missing}" \
           "?password=***: " in result.stderr  # fmt: skip
    assert "Hunter2Secret" not in result.stderr


@pytest.mark.postgres
async def test_an_update_caught_by_a_database_outage_is_finished_when_it_is_back(
    fake_telegram: FakeTelegram, proxied_bot: ProxiedBot, postgres_url: str
) -> None:
    fake = fake_telegram
    fake.user_sends_text(fake.new_user("مشتری"), UNKNOWN)
    (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1, timeout=10)
    agent = fake.new_agent("سارا")
    # After the press is stored, before the claim is: longer than any retry.
    fake.during_next("getChatMember", outage_during(proxied_bot.proxy))
    press = fake.agent_presses_button(agent, card, "برمی‌دارم")
    answer = await fake.wait_for_answer_async(press, timeout=40)
    claimed = await rows(postgres_url, Ticket)
    assert answer.get("text") == desk_texts.CLAIMED_TOAST
    assert [(t.status, t.claimed_by) for t in claimed] == [("claimed", agent.id)]
    assert "database unreachable" in proxied_bot.process.log()


def outage_during(proxy: TcpProxy, seconds: float = 6) -> Callable[[str, dict[str, Any]], None]:
    """A during_next hook: the database goes away while Telegram answers this call."""

    def hook(_method: str, _params: dict[str, Any]) -> None:
        proxy.cut()
        threading.Timer(seconds, proxy.restore).start()

    return hook


@pytest.mark.postgres
async def test_a_hand_off_caught_by_a_database_outage_reaches_the_agents_when_it_is_back(
    fake_telegram: FakeTelegram, proxied_bot: ProxiedBot
) -> None:
    fake = fake_telegram
    fake.during_next("createForumTopic", outage_during(proxied_bot.proxy))
    customer = fake.new_user("مشتری")
    fake.user_sends_text(customer, UNKNOWN)
    (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1, timeout=40)
    (told,) = await fake.wait_for_messages_async(customer.id, 1, timeout=20)
    fake.user_sends_text(customer, "این هم توضیح بیشتر")
    copies = await fake.wait_for_messages_async(fake.agent_chat_id, 2, timeout=20)
    assert len(fake.topics()) == 1 and card.thread_id == fake.topics()[0].thread_id
    assert "#۱" in (told.text or "")
    assert copies[1].thread_id == card.thread_id and copies[1].text == "این هم توضیح بیشتر"


@pytest.mark.postgres
async def test_a_reply_relayed_during_a_database_outage_still_follows_its_edits(
    fake_telegram: FakeTelegram, proxied_bot: ProxiedBot
) -> None:
    fake = fake_telegram
    customer = fake.new_user("مشتری")
    fake.user_sends_text(customer, UNKNOWN)
    (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1, timeout=20)
    await fake.wait_for_messages_async(customer.id, 1, timeout=20)
    agent = fake.new_agent("سارا")
    fake.during_next("copyMessage", outage_during(proxied_bot.proxy))
    reply = fake.agent_sends_in_topic(agent, card.thread_id, "بررسی می‌کنم")
    await fake.wait_for_messages_async(customer.id, 2, timeout=40)
    fake.agent_edits(reply, "بررسی کردم: درست شد")
    await fake.wait_for_async(
        lambda: fake.sent_to(customer.id)[1].edited, timeout=20, what="the edit mirrored"
    )
    assert [m.text for m in fake.sent_to(customer.id)][1:] == ["بررسی کردم: درست شد"]


@pytest.mark.postgres
async def test_a_hand_off_whose_notice_meets_a_database_outage_still_opens_the_topic(
    fake_telegram: FakeTelegram, proxied_bot: ProxiedBot
) -> None:
    fake = fake_telegram
    customer = fake.new_user("مشتری")
    # The customer is told the ticket number; then, before the topic is made, the database goes.
    fake.during_next(
        "sendMessage", outage_during(proxied_bot.proxy), where={"chat_id": customer.id}
    )
    fake.user_sends_text(customer, UNKNOWN)
    (told,) = await fake.wait_for_messages_async(customer.id, 1, timeout=20)
    (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1, timeout=40)
    assert "#۱" in (told.text or "")
    assert [t.thread_id for t in fake.topics()] == [card.thread_id]
    assert len(fake.sent_to(customer.id)) == 1  # told once, not again on resuming


@pytest.mark.postgres
async def test_a_hand_off_outlasting_the_polling_lease_in_an_outage_still_gets_one_topic(
    fake_telegram: FakeTelegram, proxied_bot: ProxiedBot, postgres_url: str
) -> None:
    fake = fake_telegram
    # The database goes for 22 s, longer than the lease is held without renewal (15 s), while
    # the topic is being made: the hand-off must finish once, not be started over.
    fake.during_next("createForumTopic", outage_during(proxied_bot.proxy, seconds=22))
    customer = fake.new_user("مشتری")
    fake.user_sends_text(customer, UNKNOWN)
    (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1, timeout=60)
    fake.user_sends_text(customer, "این هم توضیح بیشتر")
    copies = await fake.wait_for_messages_async(fake.agent_chat_id, 2, timeout=20)
    await settled(postgres_url, fake)
    assert [t.thread_id for t in fake.topics()] == [card.thread_id]
    assert copies[1].thread_id == card.thread_id
    assert len(fake.sent_to(customer.id)) == 1
    assert "polling paused" in proxied_bot.process.log()


@pytest.mark.postgres
async def test_a_nul_in_a_name_or_a_message_is_answered_on_postgresql(
    fake_telegram: FakeTelegram, kb_dir: Path, postgres_url: str
) -> None:
    # PostgreSQL stores no U+0000 in text: such an update failed for good, the customer
    # got no answer and no ticket (SQLite took it).
    fake = fake_telegram
    settings = make_settings(fake, postgres_url, kb_dir)
    async with running_bot(settings, fake):
        named = fake.new_user("علی\x00رضا")
        fake.user_sends_text(named, ANSWERED)
        asker = fake.new_user("سارا")
        fake.user_sends_text(asker, ANSWERED.replace(" ", "\x00 ", 1))
        handed = fake.new_user("مریم")
        fake.user_sends_text(handed, UNKNOWN + "\x00")  # handed off: a ticket
        for user in (named, asker):
            await fake.wait_for_messages_async(user.id, 1, timeout=10)
        await fake.wait_for_async(lambda: fake.topics(), timeout=10, what="a ticket's topic")
    engine = create_engine_from_url(postgres_url)
    async with make_sessionmaker(engine)() as session:
        stored = await session.scalar(select(Customer.first_name).where(Customer.id == named.id))
    await engine.dispose()
    assert stored == "علی\ufffdرضا"


def test_help_says_how_the_bot_is_set_up_and_starts_nothing(tmp_path: Path) -> None:
    # With a token in the environment, «python -m bot --help» started a live bot.
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO), "AGENT_CHAT_ID": "-1001",
           "TELEGRAM_BOT_TOKEN": "123456789:AAFakePasokhTestTokenXXXXXXXXXXXXXXX",
           "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot"}  # fmt: skip
    helped = subprocess.run(
        [PYTHON, "-m", "bot", "--help"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    refused = subprocess.run(
        [PYTHON, "-m", "bot", "--frobnicate"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert helped.returncode == 0 and ".env.example" in helped.stdout
    assert "Exit codes" in helped.stdout and helped.stderr == ""
    assert refused.returncode == 2 and "unrecognized arguments: --frobnicate" in refused.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_a_stop_while_the_bot_starts_ends_the_start_cleanly(
    tmp_path: Path, kb_dir: Path, sig: signal.Signals
) -> None:
    # Telegram not answering (a stuck proxy): a Ctrl+C gave a 60-line traceback, a SIGTERM
    # killed it without a word.
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO), "AGENT_CHAT_ID": "-1001",
               "TELEGRAM_BOT_TOKEN": "123456789:AAFakePasokhTestTokenXXXXXXXXXXXXXXX",
               "TELEGRAM_BASE_URL": f"http://127.0.0.1:{silent.getsockname()[1]}/bot",
               "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}",
               "KB_DIR": str(kb_dir), "KB_SEMANTIC": "false"}  # fmt: skip
        log = tmp_path / "bot.log"
        with log.open("wb") as out:
            process = subprocess.Popen([PYTHON, "-m", "bot"], env=env, cwd=tmp_path, stderr=out)
            try:
                for _ in range(600):  # until it waits on Telegram
                    if b"KB loaded" in log.read_bytes() or process.poll() is not None:
                        break
                    time.sleep(0.05)
                time.sleep(0.5)
                process.send_signal(sig)
                code = process.wait(timeout=15)
            finally:
                process.kill()
    said = log.read_text()
    assert code == 0, said
    assert "stopped while starting" in said and "Traceback" not in said
