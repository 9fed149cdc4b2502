"""Several `python -m bot` processes on one PostgreSQL database: one polls, the others stand by."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboxUpdate, Lease, Ticket
from tests.bot.support import ANSWER_TITLE, ANSWERED, UNKNOWN, BotProcess, bot_env
from tests.bot.tcp_proxy import TcpProxy
from tests.bot.test_process import postgres_url, query, rows, settled  # noqa: F401
from tests.fake_telegram import FakeTelegram

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


async def log_says(process: BotProcess, words: str, within: float = 20) -> None:
    """Wait until the log of `process` (still running) has `words`."""
    deadline = time.monotonic() + within
    while words not in process.log():
        assert process.process is not None and process.process.poll() is None, process.log()
        assert time.monotonic() < deadline, process.log()
        await asyncio.sleep(0.1)


async def standing_by(process: BotProcess, within: float = 20) -> None:
    """Wait until `process` says it stands by for another instance."""
    await log_says(process, "standing by", within)


Start = Callable[..., BotProcess]


@pytest.fixture
def start(
    fake_telegram: FakeTelegram,
    tmp_path: Path,
    kb_dir: Path,
    postgres_url: str,  # noqa: F811
) -> Iterator[Start]:
    """Start `python -m bot` on the test's database (or `database_url`) and the fake; waits for
    polling unless `wait=False`. Each one still running at the end must stop cleanly."""
    started: list[BotProcess] = []

    def start(*, database_url: str = postgres_url, wait: bool = True) -> BotProcess:
        process = BotProcess(bot_env(fake_telegram, database_url, kb_dir), tmp_path)
        started.append(process.start(fake_telegram, wait=wait))
        return process

    try:
        yield start
    finally:
        running = [p for p in started if p.process is not None and p.process.poll() is None]
        codes = [(p.stop(), p.log()) for p in reversed(running)]
        assert all(code == 0 for code, _ in codes), codes


def slow_topic(fake: FakeTelegram, seconds: float) -> threading.Event:
    """Make the next createForumTopic take `seconds`; the event is set when it is asked for."""
    asked = threading.Event()

    def hook(_method: str, _params: dict[str, Any]) -> None:
        asked.set()
        time.sleep(seconds)

    fake.during_next("createForumTopic", hook)
    return asked


async def test_a_second_instance_stands_by_and_leaves_the_first_ones_work_alone(
    fake_telegram: FakeTelegram,
    start: Start,
    postgres_url: str,  # noqa: F811
) -> None:
    fake = fake_telegram
    start()
    asked = slow_topic(fake, 3)
    customer = fake.new_user("مشتری")
    fake.user_sends_text(customer, UNKNOWN)
    await fake.wait_for_async(asked.is_set, what="the topic asked for")
    # Started while the hand-off is half done: it must not replay it beside the first.
    second = start(wait=False)
    await standing_by(second)
    await fake.wait_for_messages_async(fake.agent_chat_id, 1, timeout=20)
    others = [fake.new_user(f"مشتری {i}") for i in range(3)]
    for user in others:
        fake.user_sends_text(user, ANSWERED)
    for user in others:
        await fake.wait_for_messages_async(user.id, 1, timeout=20)
    await settled(postgres_url, fake)
    tickets = await rows(postgres_url, Ticket)
    assert len(fake.topics()) == 1
    assert len(tickets) == 1
    assert len(fake.sent_to(customer.id)) == 1  # told the ticket number once
    assert all(len(fake.sent_to(user.id)) == 1 for user in others)
    assert "polling for updates" not in second.log()


async def note_deleted_leases(session: AsyncSession) -> None:
    """Have the database note the process id of every lease row deleted, in `released`."""
    await session.execute(text("CREATE TABLE released (pid integer)"))
    await session.execute(
        text(
            "CREATE FUNCTION note_release() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN INSERT INTO released VALUES (OLD.pid); RETURN OLD; END $$"
        )
    )
    await session.execute(
        text(
            "CREATE TRIGGER note_release AFTER DELETE ON leases "
            "FOR EACH ROW EXECUTE FUNCTION note_release()"
        )
    )


@pytest.fixture
async def polling_and_standby(start: Start) -> tuple[BotProcess, BotProcess]:
    """Two processes on one database: the first polls, the second stands by."""
    first, second = start(), start(wait=False)
    await standing_by(second)
    return first, second


async def test_the_standby_finishes_what_a_killed_instance_left_and_takes_over(
    fake_telegram: FakeTelegram,
    polling_and_standby: tuple[BotProcess, BotProcess],
    postgres_url: str,  # noqa: F811
) -> None:
    fake, (first, second) = fake_telegram, polling_and_standby
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
    assert (answer.text or "").startswith(ANSWER_TITLE)
    assert [c.thread_id for c in cards] == [tickets[0].thread_id]
    assert len(tickets) == 1 and pending == []
    assert len(fake.sent_to(customer.id)) == 1
    assert "replaying 1 updates" in second.log()


async def test_a_clean_stop_hands_polling_to_the_standby_at_once(
    fake_telegram: FakeTelegram,
    polling_and_standby: tuple[BotProcess, BotProcess],
    postgres_url: str,  # noqa: F811
) -> None:
    fake, (first, second) = fake_telegram, polling_and_standby
    assert first.process is not None
    await query(postgres_url, note_deleted_leases)
    assert first.stop() == 0, first.log()
    customer = fake.new_user("مشتری")
    fake.user_sends_text(customer, ANSWERED)
    (answer,) = await fake.wait_for_messages_async(customer.id, 1, timeout=20)
    # Released, not left to run out (20 s). The standby takes over at its next look either
    # way (it sees the first process gone), so the release is read from the database's log.
    released = await query(postgres_url, lambda s: s.scalars(text("SELECT pid FROM released")))
    assert list(released) == [first.process.pid]
    assert (answer.text or "").startswith(ANSWER_TITLE)
    assert "polling for updates" in second.log()


async def test_an_instance_cut_off_from_the_database_stops_and_the_standby_takes_over(
    fake_telegram: FakeTelegram,
    start: Start,
    postgres_url: str,  # noqa: F811
) -> None:
    fake = fake_telegram
    proxy = TcpProxy(target=5432).start()
    try:
        through_proxy = postgres_url.replace("@127.0.0.1:5432/", f"@127.0.0.1:{proxy.port}/")
        cut_off = start(database_url=through_proxy)
        standby = start(wait=False)
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
    assert (answer.text or "").startswith(ANSWER_TITLE)
    assert len(fake.sent_to(customer.id)) == 2  # the answer, then the ticket number: once each
    assert "polling paused" in cut_off.log()


async def test_an_update_in_hand_stops_at_its_next_commit_once_another_holds_the_lease(
    fake_telegram: FakeTelegram,
    start: Start,
    postgres_url: str,  # noqa: F811
) -> None:
    fake = fake_telegram
    first = start()
    # Longer than a renewal period (5 s): the poller learns of the takeover before the topic
    # comes, so its next commit asks the database whether the lease is still its own.
    asked = slow_topic(fake, 7)
    customer = fake.new_user("مشتری")
    fake.user_sends_text(customer, UNKNOWN)
    await fake.wait_for_async(asked.is_set, what="the topic asked for")
    # Meanwhile a process elsewhere took the lease over (for 8 s, then it is gone).
    until = datetime.now(UTC) + timedelta(seconds=8)
    await query(
        postgres_url,
        lambda session: session.execute(
            update(Lease).values(holder="elsewhere", host="another host", pid=1, expires_at=until)
        ),
    )
    await log_says(first, "takes it over from here")
    pending = await rows(postgres_url, InboxUpdate, InboxUpdate.status == "pending")
    await log_says(first, "another instance is polling (host another host, process 1)")
    # Once that lease runs out, this process takes it back and finishes the hand-off.
    (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1, timeout=30)
    await settled(postgres_url, fake)
    (ticket,) = await rows(postgres_url, Ticket)
    assert len(pending) == 1  # the topic's thread id was not recorded by the fenced commit
    assert card.thread_id == ticket.thread_id
    assert len(fake.sent_to(customer.id)) == 1
