"""Several `python -m bot` processes on one PostgreSQL database: one polls, the others stand by."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from storage.models import InboxUpdate, Ticket
from tests.bot.support import ANSWER_TITLE, ANSWERED, UNKNOWN, BotProcess, bot_env
from tests.bot.tcp_proxy import TcpProxy
from tests.bot.test_process import postgres_url, rows, settled  # noqa: F401
from tests.fake_telegram import FakeTelegram

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


async def standing_by(process: BotProcess, within: float = 20) -> None:
    """Wait until `process` says it stands by for another instance."""
    deadline = time.monotonic() + within
    while "standing by" not in process.log():
        assert process.process is not None and process.process.poll() is None, process.log()
        assert time.monotonic() < deadline, process.log()
        await asyncio.sleep(0.1)


def slow_topic(fake: FakeTelegram, seconds: float) -> threading.Event:
    """Make the next createForumTopic take `seconds`; the event is set when it is asked for."""
    asked = threading.Event()
    fake.during_next("createForumTopic", lambda *_: (asked.set(), time.sleep(seconds)))
    return asked


async def test_a_second_instance_stands_by_and_leaves_the_first_ones_work_alone(
    fake_telegram: FakeTelegram,
    tmp_path: Path,
    kb_dir: Path,
    postgres_url: str,  # noqa: F811
) -> None:
    fake = fake_telegram
    env = bot_env(fake, postgres_url, kb_dir)
    first = BotProcess(env, tmp_path).start(fake)
    asked = slow_topic(fake, 3)
    customer = fake.new_user("مشتری")
    fake.user_sends_text(customer, UNKNOWN)
    await fake.wait_for_async(asked.is_set, what="the topic asked for")
    # Started while the hand-off is half done: it must not replay it beside the first.
    second = BotProcess(env, tmp_path).start(fake, wait=False)
    try:
        await standing_by(second)
        await fake.wait_for_messages_async(fake.agent_chat_id, 1, timeout=20)
        others = [fake.new_user(f"مشتری {i}") for i in range(3)]
        for user in others:
            fake.user_sends_text(user, ANSWERED)
        for user in others:
            await fake.wait_for_messages_async(user.id, 1, timeout=20)
        await settled(postgres_url, fake)
        tickets = await rows(postgres_url, Ticket)
    finally:
        assert second.stop() == 0, second.log()
        assert first.stop() == 0, first.log()
    assert len(fake.topics()) == 1
    assert len(tickets) == 1
    assert len(fake.sent_to(customer.id)) == 1  # told the ticket number once
    assert all(len(fake.sent_to(user.id)) == 1 for user in others)
    assert "polling for updates" not in second.log()


async def test_the_standby_finishes_what_a_killed_instance_left_and_takes_over(
    fake_telegram: FakeTelegram,
    tmp_path: Path,
    kb_dir: Path,
    postgres_url: str,  # noqa: F811
) -> None:
    fake = fake_telegram
    env = bot_env(fake, postgres_url, kb_dir)
    first = BotProcess(env, tmp_path).start(fake)
    second = BotProcess(env, tmp_path).start(fake, wait=False)
    try:
        await standing_by(second)
        asked = slow_topic(fake, 2)
        customer = fake.new_user("مشتری")
        fake.user_sends_text(customer, UNKNOWN)
        await fake.wait_for_async(asked.is_set, what="the topic asked for")
        first.kill()  # mid hand-off: the customer was told, the card is still to come
        late = fake.new_user("دیرآمده")
        fake.user_sends_text(late, ANSWERED)

        (answer,) = await fake.wait_for_messages_async(late.id, 1, timeout=20)
        cards = await fake.wait_for_messages_async(fake.agent_chat_id, 1, timeout=20)
        await settled(postgres_url, fake)
        pending = await rows(postgres_url, InboxUpdate, InboxUpdate.status == "pending")
        tickets = await rows(postgres_url, Ticket)
    finally:
        assert second.stop() == 0, second.log()
    assert (answer.text or "").startswith(ANSWER_TITLE)
    assert [c.thread_id for c in cards] == [tickets[0].thread_id]
    assert len(tickets) == 1 and pending == []
    assert len(fake.sent_to(customer.id)) == 1
    assert "replaying 1 updates" in second.log()


async def test_a_clean_stop_hands_polling_to_the_standby_at_once(
    fake_telegram: FakeTelegram,
    tmp_path: Path,
    kb_dir: Path,
    postgres_url: str,  # noqa: F811
) -> None:
    fake = fake_telegram
    env = bot_env(fake, postgres_url, kb_dir)
    first = BotProcess(env, tmp_path).start(fake)
    second = BotProcess(env, tmp_path).start(fake, wait=False)
    try:
        await standing_by(second)
        assert first.stop() == 0, first.log()
        stopped = time.monotonic()
        customer = fake.new_user("مشتری")
        fake.user_sends_text(customer, ANSWERED)
        await fake.wait_for_messages_async(customer.id, 1, timeout=20)
        took = time.monotonic() - stopped
    finally:
        assert second.stop() == 0, second.log()
    assert took < 10  # released, not waited out (the lease lasts 20 s)


async def test_an_instance_cut_off_from_the_database_stops_and_the_standby_takes_over(
    fake_telegram: FakeTelegram,
    tmp_path: Path,
    kb_dir: Path,
    postgres_url: str,  # noqa: F811
) -> None:
    fake = fake_telegram
    proxy = TcpProxy(target=5432).start()
    through_proxy = postgres_url.replace("@127.0.0.1:5432/", f"@127.0.0.1:{proxy.port}/")
    cut_off = BotProcess(bot_env(fake, through_proxy, kb_dir), tmp_path).start(fake)
    standby = BotProcess(bot_env(fake, postgres_url, kb_dir), tmp_path).start(fake, wait=False)
    try:
        await standing_by(standby)
        proxy.cut()  # for good: the process lives on, so only the lease running out tells
        customer = fake.new_user("مشتری")
        fake.user_sends_text(customer, ANSWERED)
        (answer,) = await fake.wait_for_messages_async(customer.id, 1, timeout=45)
        proxy.restore()
        await standing_by(cut_off, within=30)  # back, it finds the other polling
        fake.user_sends_text(customer, UNKNOWN)
        await fake.wait_for_messages_async(fake.agent_chat_id, 1, timeout=20)
        await settled(postgres_url, fake)
    finally:
        proxy.close()
        assert standby.stop() == 0, standby.log()
        assert cut_off.stop() == 0, cut_off.log()
    assert (answer.text or "").startswith(ANSWER_TITLE)
    assert len(fake.sent_to(customer.id)) == 2  # the answer, then the ticket number: once each
    assert "polling paused" in cut_off.log()
