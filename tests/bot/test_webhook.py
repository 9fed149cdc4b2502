"""Webhook mode: Telegram pushes updates to WEBHOOK_URL; each is stored before it is answered."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from bot import webhook
from bot.config import ConfigError, Settings, load_settings
from bot.intake import REPLAY_PAGE, Item, KeyedDispatcher, store_updates
from bot.main import EXIT_CONFIG, EXIT_FAILURE, Fatal, serve
from bot.webhook import SECRET_HEADER, WebhookFeed, WebhookReceiver
from storage.db import create_engine_from_url, make_sessionmaker
from storage.models import InboxUpdate, Ticket
from tests.bot.desk_support import hand_off
from tests.bot.support import (
    ANSWER_TITLE,
    ANSWERED,
    UNKNOWN,
    BotProcess,
    bot_env,
    make_settings,
    running_bot,
    settled,
)
from tests.bot.test_albums import copies_from
from tests.bot.test_instances import log_says
from tests.bot.test_process import postgres_url  # noqa: F401
from tests.fake_telegram import FakeTelegram


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_settings(
    fake: FakeTelegram, database_url: str, kb_dir: Path, port: int | None = None, **extra: Any
) -> Settings:
    """Settings of a bot listening on loopback, its webhook URL pointing at itself."""
    port = port or free_port()
    values: dict[str, Any] = {
        "webhook_url": f"http://127.0.0.1:{port}/telegram",
        "webhook_listen": "127.0.0.1",
        "webhook_port": port,
    }
    values.update(extra)
    return make_settings(fake, database_url, kb_dir, **values)


async def post(
    settings: Settings, payload: Any, secret: str | None, *, raw: bytes | None = None
) -> int:
    """POST one update to the bot's webhook as Telegram would; return the HTTP status."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    assert settings.webhook_url is not None
    async with httpx.AsyncClient(trust_env=False) as client:
        body = raw if raw is not None else json.dumps(payload).encode()
        response = await client.post(settings.webhook_url, content=body, headers=headers)
    return response.status_code


def customer_update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    """A private text message as Telegram sends it (not through the fake's queue)."""
    person = {"id": user_id, "is_bot": False, "first_name": "سارا"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 7,
            "date": 1_790_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "سارا"},
            "from": person,
            "text": text,
        },
    }


async def test_in_webhook_mode_telegram_pushes_and_the_customer_is_answered(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    fake = fake_telegram
    settings = webhook_settings(fake, database_url, kb_dir)
    async with running_bot(settings, fake) as bot:
        hook = fake.webhook()
        user = fake.new_user("سارا")
        fake.user_sends_text(user, ANSWERED)
        (answer,) = await fake.wait_for_messages_async(user.id, 1)
        await settled(bot, fake)
        rows = await bot.rows(InboxUpdate)
    assert ANSWER_TITLE in (answer.text or "")
    assert hook.url == settings.webhook_url
    # Telegram is given a secret to send back, and it is not the bot's token.
    assert hook.secret_token and settings.token not in hook.secret_token
    assert fake.calls("getUpdates") == []
    assert [(row.status, row.chat_id) for row in rows] == [("done", user.id)]


async def test_a_ticket_works_both_ways_through_the_webhook(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    fake = fake_telegram
    settings = webhook_settings(fake, database_url, kb_dir)
    async with running_bot(settings, fake) as bot:
        ticket = await hand_off(bot, fake, "سارا")
        user = ticket.user
        agent = fake.new_agent("نگار")
        fake.agent_sends_in_topic(agent, ticket.thread_id, "سلام، بررسی می‌کنم")
        replies = await fake.wait_for_messages_async(user.id, 2)
        fake.user_sends_text(user, "ممنون، منتظرم")
        topic = (fake.agent_chat_id, ticket.thread_id)
        await fake.wait_for_async(
            lambda: any(m.text == "ممنون، منتظرم" for m in fake.sent_to(*topic)),
            what="the customer's message copied into the topic",
        )
    assert replies[-1].text == "سلام، بررسی می‌کنم"


async def test_an_album_pushed_one_item_a_request_reaches_the_topic_as_one_album(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    # Telegram pushes each item of an album as its own request.
    fake = fake_telegram
    settings = webhook_settings(fake, database_url, kb_dir)
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake, "سارا")
        group = fake.new_media_group_id()
        album = [fake.user_sends_photo(opened.user, media_group_id=group) for _ in range(3)]
        await fake.wait_for_messages_async(
            fake.agent_chat_id, 1 + 3, thread_id=opened.thread_id, timeout=10
        )
        await settled(bot, fake)
    assert fake.webhook().deliveries >= 1 + 3
    assert copies_from(fake, opened.user.id, fake.agent_chat_id) == [
        ("copyMessages", [item.message_id for item in album])
    ]


async def test_a_request_without_the_secret_is_refused_and_nothing_is_done(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    fake = fake_telegram
    settings = webhook_settings(fake, database_url, kb_dir)
    user = fake.new_user("سارا")
    async with running_bot(settings, fake) as bot:
        forged = customer_update(5, user.id, UNKNOWN)
        assert await post(settings, forged, None) == 403
        assert await post(settings, forged, "not-the-secret") == 403
        assert await post(settings, forged, settings.token) == 403
        await asyncio.sleep(0.5)
        rows = await bot.rows(InboxUpdate)
        tickets = await bot.rows(Ticket)
    assert rows == [] and tickets == []
    assert fake.sent_to(user.id) == []


async def test_an_update_telegram_sends_again_is_answered_once(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    # Telegram sends an update again when our 200 did not reach it (a proxy timing out).
    fake = fake_telegram
    settings = webhook_settings(fake, database_url, kb_dir)
    user = fake.new_user("سارا")
    async with running_bot(settings, fake) as bot:
        update = customer_update(9, user.id, ANSWERED)
        assert await post(settings, update, settings.secret_token) == 200
        assert await post(settings, update, settings.secret_token) == 200
        await fake.wait_for_messages_async(user.id, 1)
        await settled(bot, fake)
        await asyncio.sleep(0.3)
    assert len(fake.sent_to(user.id)) == 1


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe\x00", "not text"),
        (b"[1, 2]", "not an object"),
        (b'{"message": {"text": "hi"}}', "no update_id"),
        (b'{"update_id": "12"}', "a string id"),
        (b'{"update_id": -4}', "a negative id"),
        (b'{"update_id": 99999999999999999999999}', "an id beyond BIGINT"),
    ],
)
async def test_a_body_that_is_not_an_update_is_refused_with_400(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path, body: bytes, why: str
) -> None:
    fake = fake_telegram
    settings = webhook_settings(fake, database_url, kb_dir)
    async with running_bot(settings, fake) as bot:
        status = await post(settings, None, settings.secret_token, raw=body)
        rows = await bot.rows(InboxUpdate)
        # and the bot still works
        user = fake.new_user("سارا")
        fake.user_sends_text(user, ANSWERED)
        await fake.wait_for_messages_async(user.id, 1)
    assert status == 400, why
    assert rows == []


async def test_an_update_the_bot_cannot_read_is_accepted_and_marked_failed(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    # Refusing it would make Telegram send it again forever, holding up the chat behind it.
    fake = fake_telegram
    settings = webhook_settings(fake, database_url, kb_dir)
    async with running_bot(settings, fake) as bot:
        strange = {"update_id": 77, "message": {"message_id": "x", "chat": 5}}
        assert await post(settings, strange, settings.secret_token) == 200
        for _ in range(50):
            (row,) = await bot.rows(InboxUpdate)
            if row.status != "pending":
                break
            await asyncio.sleep(0.1)
    assert row.status == "failed"


async def test_the_health_check_answers(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    settings = webhook_settings(fake_telegram, database_url, kb_dir)
    port = settings.webhook_port
    async with running_bot(settings, fake_telegram), httpx.AsyncClient(trust_env=False) as client:
        health = await client.get(f"http://127.0.0.1:{port}/healthz")
        head = await client.head(f"http://127.0.0.1:{port}/healthz")  # some balancers' check
        other = await client.get(f"http://127.0.0.1:{port}/telegram")
    assert (health.status_code, health.text) == (200, "ok")
    assert (head.status_code, head.text) == (200, "")
    assert other.status_code == 405


async def test_the_health_check_fails_while_the_database_does_not_answer(database_url: str) -> None:
    # Kept in a load balancer's rotation, an instance that cannot store an update answers
    # Telegram's deliveries with 503s, each tried again later.
    cut = create_engine_from_url("postgresql+asyncpg://postgres@127.0.0.1:1/pasokh")
    kept = create_engine_from_url(database_url)
    try:
        assert not await WebhookReceiver(make_sessionmaker(cut), "s").database_answers()
        assert await WebhookReceiver(make_sessionmaker(kept), "s").database_answers()
    finally:
        await cut.dispose()
        await kept.dispose()


async def test_an_update_stored_but_not_handled_before_a_stop_is_handled_at_the_next_start(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    # The bot answered Telegram's request, then stopped (or crashed) before handling it:
    # Telegram will not send it again, so the next start must handle it.
    fake = fake_telegram
    settings = webhook_settings(fake, database_url, kb_dir)
    user = fake.new_user("سارا")
    engine = create_engine_from_url(database_url)
    receiver = WebhookReceiver(make_sessionmaker(engine), settings.secret_token)
    port = await receiver.start("127.0.0.1", settings.webhook_port)
    try:
        assert port == settings.webhook_port
        status = await post(settings, customer_update(41, user.id, ANSWERED), settings.secret_token)
    finally:
        await receiver.stop()
        await engine.dispose()
    assert status == 200
    assert fake.sent_to(user.id) == []
    async with running_bot(settings, fake):
        (answer,) = await fake.wait_for_messages_async(user.id, 1)
    assert ANSWER_TITLE in (answer.text or "")


async def test_every_update_left_pending_is_replayed_however_many_pages_and_later_ones_not(
    database_url: str,
) -> None:
    # A replay resumes an update's stored plan instead of deciding it again (which would send
    # its replies twice); only what the last run left is a replay.
    engine = create_engine_from_url(database_url)
    sessions = make_sessionmaker(engine)
    handled: list[Item] = []

    async def handle(item: Item) -> None:
        handled.append(item)

    dispatcher = KeyedDispatcher(handle, 8, album_grace=0)
    receiver = WebhookReceiver(sessions, "s3cret")
    feed = WebhookFeed(receiver, sessions, dispatcher)
    try:
        left = [(i, customer_update(i, 1000 + i, "سلام")) for i in range(1, REPLAY_PAGE + 51)]
        await store_updates(sessions, left)
        assert await feed.feed_once()  # a second page waits
        assert not await feed.feed_once()
        receiver.attach()
        fresh = json.dumps(customer_update(REPLAY_PAGE + 100, 77, "سلام")).encode()
        assert await receiver.receive("s3cret", fresh) == 200
        assert not await feed.feed_once()
        await dispatcher.drain(10)
    finally:
        await engine.dispose()
    replayed = sorted(item.update_id for item in handled if item.replay)
    assert replayed == [i for i, _ in left]
    assert [item.update_id for item in handled if not item.replay] == [REPLAY_PAGE + 100]


async def test_a_database_that_cannot_store_the_update_answers_503(tmp_path: Path) -> None:
    # Telegram sends an update again after a 5xx: nothing is lost while the database is down.
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}")
    receiver = WebhookReceiver(async_sessionmaker(engine), "s3cret")
    try:
        body = json.dumps(customer_update(3, 8, "سلام")).encode()
        status = await receiver.receive("s3cret", body)
    finally:
        await engine.dispose()
    assert status == 503


async def test_a_webhook_removed_by_another_process_is_set_again(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Otherwise customers' messages stop arriving without a word anywhere.
    monkeypatch.setattr(webhook, "WEBHOOK_CHECK_SECONDS", 0.2)
    fake = fake_telegram
    settings = webhook_settings(fake, database_url, kb_dir)
    caplog.set_level(logging.ERROR, logger="bot.webhook")
    async with running_bot(settings, fake):
        await fake.wait_for_async(lambda: len(fake.calls("getWebhookInfo")) >= 1)
        async with httpx.AsyncClient(trust_env=False) as client:
            await client.post(f"{fake.base_url}{fake.token}/deleteWebhook")
        assert fake.webhook().url == ""
        await fake.wait_for_async(
            lambda: fake.webhook().url == settings.webhook_url, what="the webhook set again"
        )
        user = fake.new_user("سارا")
        fake.user_sends_text(user, ANSWERED)
        await fake.wait_for_messages_async(user.id, 1)
    assert "not WEBHOOK_URL" in caplog.text


async def test_telegram_failing_to_deliver_is_logged(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A proxy in front of the bot that stopped passing requests on shows only at Telegram.
    monkeypatch.setattr(webhook, "WEBHOOK_CHECK_SECONDS", 0.2)
    fake = fake_telegram
    dead = free_port()
    settings = webhook_settings(
        fake, database_url, kb_dir, webhook_url=f"http://127.0.0.1:{dead}/telegram"
    )
    caplog.set_level(logging.ERROR, logger="bot.webhook")
    async with running_bot(settings, fake):
        await fake.wait_for_async(lambda: len(fake.calls("getWebhookInfo")) >= 1)
        fake.user_sends_text(fake.new_user("سارا"), ANSWERED)
        await fake.wait_for_async(
            lambda: "cannot deliver updates" in caplog.text, what="the delivery error logged"
        )
    assert "Connection failed" in caplog.text


async def test_a_webhook_url_telegram_refuses_stops_the_start_with_the_reason(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    fake = fake_telegram
    settings = webhook_settings(fake, database_url, kb_dir)
    fake.fail_next("setWebhook", description="Bad Request: bad webhook: Failed to resolve host")
    with pytest.raises(Fatal) as stopped:
        await asyncio.wait_for(serve(settings, asyncio.Event()), 30)
    assert stopped.value.code == EXIT_CONFIG
    assert "WEBHOOK_URL" in str(stopped.value)
    assert "failed to resolve host" in str(stopped.value).lower()
    # and it let go of its port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", settings.webhook_port))


async def test_a_bot_api_server_failing_to_set_the_webhook_stops_the_start(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    fake = fake_telegram
    settings = webhook_settings(fake, database_url, kb_dir)
    fake.fail_next("setWebhook", status=502, description="Bad Gateway")
    with pytest.raises(Fatal) as stopped:
        await asyncio.wait_for(serve(settings, asyncio.Event()), 30)
    assert stopped.value.code == EXIT_FAILURE
    assert "cannot set the webhook" in str(stopped.value)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", settings.webhook_port))


async def test_a_port_in_use_stops_the_start_with_the_setting_to_fix(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        settings = webhook_settings(fake_telegram, database_url, kb_dir, port=port)
        with pytest.raises(Fatal) as stopped:
            await asyncio.wait_for(serve(settings, asyncio.Event()), 30)
    assert stopped.value.code == EXIT_CONFIG
    assert "WEBHOOK_PORT" in str(stopped.value)
    assert fake_telegram.calls("setWebhook") == []


@pytest.mark.postgres
@pytest.mark.e2e
async def test_instances_behind_one_webhook_answer_whichever_receives_and_survive_a_crash(
    fake_telegram: FakeTelegram,
    kb_dir: Path,
    tmp_path: Path,
    postgres_url: str,  # noqa: F811
) -> None:
    # Behind a load balancer Telegram's requests reach any instance; the one holding the lease
    # handles them all, and when it dies another takes over, still behind the same address.
    fake = fake_telegram
    standby_port = free_port()
    url = f"http://127.0.0.1:{standby_port}/telegram"
    common = {"WEBHOOK_URL": url, "WEBHOOK_LISTEN": "127.0.0.1"}
    first = BotProcess(
        bot_env(fake, postgres_url, kb_dir, WEBHOOK_PORT=str(free_port()), **common), tmp_path
    )
    second = BotProcess(
        bot_env(fake, postgres_url, kb_dir, WEBHOOK_PORT=str(standby_port), **common), tmp_path
    )
    try:
        first.start(fake)
        await log_says(first, "handling the updates")
        second.start(fake)
        await log_says(second, "standing by")
        user = fake.new_user("سارا")
        fake.user_sends_text(user, ANSWERED)  # Telegram posts it to the standby
        (answer,) = await fake.wait_for_messages_async(user.id, 1, timeout=20)
        assert "handling the updates" not in second.log()
        first.kill()
        fake.user_sends_text(user, UNKNOWN)
        await fake.wait_for_messages_async(fake.agent_chat_id, 1, timeout=60)
        assert "handling the updates" in second.log()
    finally:
        for process in (first, second):
            if process.process is not None and process.process.poll() is None:
                assert process.stop() == 0, process.log()
    assert ANSWER_TITLE in (answer.text or "")
    assert fake.webhook().deliveries == 2


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WEBHOOK_URL", "ftp://desk.example.com/hook"),
        ("WEBHOOK_URL", "desk.example.com"),
        ("WEBHOOK_PORT", "70000"),
        ("WEBHOOK_PORT", "0"),
        ("WEBHOOK_LISTEN", "0.0.0.0:8443"),
        ("WEBHOOK_SECRET", "has spaces and ü"),
        ("WEBHOOK_MAX_CONNECTIONS", "0"),
    ],
)
def test_a_malformed_webhook_setting_is_named(
    name: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:" + "A" * 35)
    monkeypatch.setenv("AGENT_CHAT_ID", "-1001234")
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        load_settings(env_file=None)
    assert f"{name} is malformed" in str(error.value)


def test_the_derived_secret_is_the_same_on_every_instance_and_hides_the_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:" + "A" * 35)
    monkeypatch.setenv("AGENT_CHAT_ID", "-1001234")
    one, two = load_settings(env_file=None), load_settings(env_file=None)
    assert one.secret_token == two.secret_token
    assert "A" * 8 not in one.secret_token
    monkeypatch.setenv("WEBHOOK_SECRET", "our-own_secret")
    assert load_settings(env_file=None).secret_token == "our-own_secret"


async def test_a_nul_pushed_in_an_update_is_kept_out_of_what_is_stored(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    # PostgreSQL stores no U+0000 in text (the polling path is proven there, test_process).
    fake = fake_telegram
    settings = webhook_settings(fake, database_url, kb_dir)
    async with running_bot(settings, fake) as bot:
        user = fake.new_user("سارا")
        pushed = customer_update(78, user.id, ANSWERED + "\x00")
        assert await post(settings, pushed, settings.secret_token) == 200
        await fake.wait_for_messages_async(user.id, 1)
        (row,) = await bot.rows(InboxUpdate)
    assert row.payload["message"]["text"] == ANSWERED + "\ufffd"


async def _raw(port: int, head: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head)
    await writer.drain()
    return reader, writer


def _head(secret: str | None, length: int) -> bytes:
    lines = ["POST /telegram HTTP/1.1", "Host: x", f"Content-Length: {length}"]
    if secret is not None:
        lines.append(f"{SECRET_HEADER}: {secret}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def test_strangers_cannot_hold_the_webhook_with_slow_or_silent_connections(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the secret, a body was still read whole, and a stalled one held ~1 MB and a
    # file handle for ever: 150 of them took 170 MB, ~1000 (a default file limit) every handle.
    monkeypatch.setattr(webhook, "BODY_TIMEOUT_SECONDS", 0.3)
    monkeypatch.setattr(webhook, "IDLE_SECONDS", 0.3)
    engine = create_engine_from_url(database_url)
    receiver = WebhookReceiver(make_sessionmaker(engine), "s3cret")
    port = await receiver.start("127.0.0.1", 0)
    opened: list[asyncio.StreamWriter] = []
    answers: dict[str, bytes] = {}
    try:
        # A stranger announcing a megabyte is refused on its headers, its body never read;
        # so is any other method, on either path.
        for name, head in (
            ("wrong secret", _head("wrong", 1_000_000)),
            ("put", _head("s3cret", 1_000_000).replace(b"POST", b"PUT", 1)),
            ("health post", _head(None, 1_000_000).replace(b"/telegram", b"/healthz", 1)),
        ):
            reader, writer = await _raw(port, head)
            opened.append(writer)
            answers[name] = await asyncio.wait_for(reader.readline(), 5)
        # With the secret, a body that stops coming is cut off; so is a silent connection.
        reader, writer = await _raw(port, _head("s3cret", 1000) + b'{"update_id": 1')
        opened.append(writer)
        answers["stalled"] = await asyncio.wait_for(reader.read(), 5)
        reader, writer = await _raw(port, b"")
        opened.append(writer)
        answers["silent"] = await asyncio.wait_for(reader.read(), 5)
        # and Telegram's delivery goes through meanwhile
        reader, writer = await _raw(port, _head("s3cret", 2) + b"{}")
        opened.append(writer)
        answers["telegram"] = await asyncio.wait_for(reader.readline(), 5)
    finally:
        for writer in opened:
            writer.close()
        await receiver.stop()
        await engine.dispose()
    assert answers["wrong secret"].startswith(b"HTTP/1.1 403")
    assert answers["put"].startswith(b"HTTP/1.1 405")
    assert answers["health post"].startswith(b"HTTP/1.1 405")
    assert b"200" not in answers["stalled"]  # closed (or refused), never taken as an update
    assert answers["silent"] == b""
    assert answers["telegram"].startswith(b"HTTP/1.1 400")  # read and answered: no update id


async def test_a_short_webhook_secret_is_warned_of_at_start(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = webhook_settings(fake_telegram, database_url, kb_dir, webhook_secret="Zq7_k9x")
    with caplog.at_level(logging.WARNING, logger="bot.main"):
        async with running_bot(settings, fake_telegram):
            pass
    assert "WEBHOOK_SECRET is shorter than 16 characters" in caplog.text
    assert "Zq7_k9x" not in caplog.text
