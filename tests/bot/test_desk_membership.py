"""Who may press a card's buttons: asked of Telegram outside the unit of work, briefly cached."""

from __future__ import annotations

import logging
import sqlite3
import time

import pytest
from sqlalchemy.engine import make_url
from telegram import Bot

from bot import desk_texts
from bot.config import Settings
from bot.intake import Intake, Item, KeyedDispatcher
from storage.db import create_engine_from_url, make_sessionmaker
from storage.models import InboxUpdate
from tests.bot.desk_support import hand_off, settled, ticket
from tests.bot.support import running_bot
from tests.bot.test_supervision import report_not_due
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.state import JSONDict

# A bot's own transaction may happen to be committing when the probe runs; one held
# across the getChatMember call is still held after these tries (the call waits for us).
PROBE_TRIES = 20
PROBE_PAUSE = 0.01


class WriteProbe:
    """Try to take the SQLite write lock of the bot's database, without waiting for it."""

    def __init__(self, database_url: str) -> None:
        self.path = make_url(database_url).database
        self.outcomes: list[str] = []

    def __call__(self, method: str, params: JSONDict) -> None:
        """Record "free" or "locked"; runs in the fake's thread during the call."""
        assert self.path is not None
        for _ in range(PROBE_TRIES):
            db = sqlite3.connect(self.path, timeout=0, isolation_level=None)
            try:
                db.execute("BEGIN IMMEDIATE")
                db.execute("ROLLBACK")
                self.outcomes.append(f"{method}: free")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error):
                    self.outcomes.append(f"{method}: {error}")
                    return
            finally:
                db.close()
            time.sleep(PROBE_PAUSE)  # the fake's own thread; the bot's loop keeps running
        self.outcomes.append(f"{method}: locked")


def member_checks(fake: FakeTelegram, user_id: int) -> int:
    """Count the getChatMember calls the bot made about one user."""
    return sum(c.get("user_id") == user_id for c in fake.calls("getChatMember"))


async def _dispatch_nothing(item: Item) -> None:
    """Leave stored updates unprocessed (a crash right after storing them)."""


async def store_without_handling(settings: Settings, fake: FakeTelegram) -> int:
    """Let the intake store what Telegram holds, then stop before any of it is handled."""
    engine = create_engine_from_url(settings.database_url)
    try:
        async with Bot(
            settings.token, base_url=fake.base_url, base_file_url=fake.base_file_url
        ) as telegram:
            dispatcher = KeyedDispatcher(_dispatch_nothing, 1)
            intake = Intake(telegram, make_sessionmaker(engine), dispatcher, poll_timeout=0)
            stored = await intake.poll_once()
            await dispatcher.drain(5)
            return stored
    finally:
        await engine.dispose()


def asked_inside_the_unit_of_work(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The desk's warnings that a press's membership was only asked inside its transaction
    (correct, but waiting on Telegram with the write lock possibly held)."""
    return [r.getMessage() for r in caplog.records if "membership not asked" in r.getMessage()]


async def test_the_database_is_not_write_locked_while_telegram_answers_get_chat_member(
    settings: Settings, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    fake = fake_telegram
    caplog.set_level(logging.WARNING, logger="bot.handlers.desk")
    probe = WriteProbe(settings.database_url)
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا")
        fake.during_next("getChatMember", probe, where={"user_id": agent.id})
        press = fake.agent_presses_button(agent, opened.card, "برمی‌دارم")
        answer = await fake.wait_for_answer_async(press)
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    assert probe.outcomes == ["getChatMember: free"]
    assert asked_inside_the_unit_of_work(caplog) == []
    assert answer.get("text") == desk_texts.CLAIMED_TOAST
    assert row.claimed_by == agent.id


async def test_a_press_replayed_after_a_crash_asks_telegram_without_the_write_lock(
    settings: Settings, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    fake = fake_telegram
    caplog.set_level(logging.WARNING, logger="bot.handlers.desk")
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
    agent = fake.new_agent("سارا")
    press = fake.agent_presses_button(agent, opened.card, "برمی‌دارم")
    assert await store_without_handling(settings, fake) == 1  # pending in the inbox
    probe = WriteProbe(settings.database_url)
    fake.during_next("getChatMember", probe, where={"user_id": agent.id})
    async with running_bot(settings, fake) as bot:  # the restart replays the stored press
        answer = await fake.wait_for_answer_async(press, timeout=15)
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
        (stored,) = await bot.rows(InboxUpdate, InboxUpdate.update_id == press.update_id)
    assert probe.outcomes == ["getChatMember: free"]
    assert asked_inside_the_unit_of_work(caplog) == []
    assert answer.get("text") == desk_texts.CLAIMED_TOAST
    assert (row.claimed_by, stored.status) == (agent.id, "done")


async def test_a_restricted_agent_still_works_the_cards_but_not_once_they_have_left(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        muted, gone = fake.new_user("آرش"), fake.new_user("بهار")
        silenced = fake.new_user("کاوه")
        # Restricted in the group (no media, say) is still an agent; restricted after
        # leaving it is not, nor muted altogether (they could claim a ticket, not answer it).
        writes = {"is_member": True, "can_send_messages": True}
        fake.add_member(fake.agent_chat_id, muted, "restricted", writes)
        fake.add_member(fake.agent_chat_id, gone, "restricted", {"is_member": False})
        fake.add_member(fake.agent_chat_id, silenced, "restricted", {"is_member": True})
        claim = f"t:claim:{opened.ticket_id}"
        refused = await fake.wait_for_answer_async(fake.agent_presses(gone, opened.card, claim))
        hushed = await fake.wait_for_answer_async(fake.agent_presses(silenced, opened.card, claim))
        claimed = await fake.wait_for_answer_async(fake.agent_presses(muted, opened.card, claim))
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    assert refused.get("text") == hushed.get("text") == desk_texts.NOT_AN_AGENT
    assert claimed.get("text") == desk_texts.CLAIMED_TOAST
    assert row.claimed_by == muted.id


async def test_an_agent_pressing_two_buttons_is_looked_up_once_and_a_stranger_stays_refused(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent, stranger = fake.new_agent("نگار"), fake.new_user("غریبه")
        claim, close = f"t:claim:{opened.ticket_id}", f"t:close:{opened.ticket_id}"
        refused = []
        for data in (claim, close):
            press = fake.agent_presses(stranger, opened.card, data)
            refused.append(await fake.wait_for_answer_async(press))
        claimed = await fake.wait_for_answer_async(fake.agent_presses(agent, opened.card, claim))
        closed = await fake.wait_for_answer_async(
            fake.agent_presses(agent, opened.card, close, check=False)
        )
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    assert [a.get("text") for a in refused] == [desk_texts.NOT_AN_AGENT] * 2
    assert all(a.get("show_alert") for a in refused)
    assert (claimed.get("text"), closed.get("text")) == (
        desk_texts.CLAIMED_TOAST,
        desk_texts.CLOSED_TOAST,
    )
    assert (row.status, row.claimed_by) == ("closed", agent.id)
    assert (member_checks(fake, agent.id), member_checks(fake, stranger.id)) == (1, 1)


async def test_a_failed_membership_check_refuses_the_press_and_is_not_remembered(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("مینا")
        claim, close = f"t:claim:{opened.ticket_id}", f"t:close:{opened.ticket_id}"
        fake.fail_next("getChatMember", status=500)
        failed = await fake.wait_for_answer_async(fake.agent_presses(agent, opened.card, claim))
        await settled(bot, fake)
        untouched = await ticket(bot, opened.ticket_id)
        # The failure is gone: the very next press asks again (no waiting out a TTL) ...
        claimed = await fake.wait_for_answer_async(fake.agent_presses(agent, opened.card, claim))
        # ... and that success is what gets remembered.
        closed = await fake.wait_for_answer_async(
            fake.agent_presses(agent, opened.card, close, check=False)
        )
        await settled(bot, fake)
    # A real agent is told to try again, not that they are no agent.
    assert failed.get("text") == desk_texts.MEMBERSHIP_UNCHECKED
    assert failed.get("show_alert")
    assert (untouched.status, untouched.claimed_by) == ("open", None)
    assert (claimed.get("text"), closed.get("text")) == (
        desk_texts.CLAIMED_TOAST,
        desk_texts.CLOSED_TOAST,
    )
    checks = [c for c in fake.api_calls("getChatMember") if c.params.get("user_id") == agent.id]
    assert [c.status for c in checks] == [500, 200]


async def test_the_bot_put_out_of_the_agents_group_is_said_at_once_and_when_it_is_back(
    settings: Settings, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    # Removed mid-run, the bot went on telling new customers an agent had their ticket; only
    # per-ticket warnings (blaming the customer) said anything was wrong.
    fake = fake_telegram
    supervisors = -1005000000005
    fake.add_group(supervisors, "سرپرستان")
    caplog.set_level(logging.WARNING, logger="bot.handlers.blocking")
    admin = fake.new_agent("مدیر", admin=True)
    with_supervisors = settings.model_copy(
        update={"supervisor_chat_id": supervisors, "daily_report_at": report_not_due()}
    )
    async with running_bot(with_supervisors, fake) as bot:
        fake.admin_changes_bot(admin, "kicked")
        await fake.wait_for_messages_async(supervisors, 1, timeout=10)
        fake.admin_changes_bot(admin, "administrator", {"can_manage_topics": True})
        await fake.wait_for_messages_async(supervisors, 2, timeout=10)
        await settled(bot, fake)
    lost, back = (m.text or "" for m in fake.sent_to(supervisors))
    assert "بیرون گذاشته شد" in lost and "تیکت‌های تازه تاپیکی نمی‌گیرند" in lost
    assert "دوباره" in back
    assert f"AGENT_CHAT_ID={fake.agent_chat_id}: the bot was removed" in caplog.text


async def test_the_log_says_whether_the_bot_was_removed_or_only_lost_the_right_to_manage_topics(
    settings: Settings, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    # Both read «removed from the group or lost the right to manage topics (administrator)».
    fake = fake_telegram
    caplog.set_level(logging.WARNING, logger="bot.handlers.blocking")
    admin = fake.new_agent("مدیر", admin=True)
    async with running_bot(settings, fake) as bot:
        fake.admin_changes_bot(admin, "administrator", {"can_manage_topics": False})
        await settled(bot, fake)
        fake.admin_changes_bot(admin, "administrator", {"can_manage_topics": True})
        fake.admin_changes_bot(admin, "kicked")
        await settled(bot, fake)
    lost = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    setting = f"AGENT_CHAT_ID={fake.agent_chat_id}"
    assert [said.split("; ")[0] for said in lost] == [
        f"{setting}: the bot, still an admin, lost the right to manage topics",
        f"{setting}: the bot was removed from the group (kicked)",
    ]


async def test_the_supervisors_chat_removing_the_bot_and_a_notice_it_missed_are_logged_plainly(
    settings: Settings, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    # Removed from the supervisors' group, the bot logged nothing; the notice that it lost
    # the agents' group, refused there, was logged as «update N: reply not sent (…)».
    fake = fake_telegram
    supervisors = -1005000000005
    fake.add_group(supervisors, "سرپرستان")
    caplog.set_level(logging.INFO, logger="bot")
    admin = fake.new_agent("مدیر", admin=True)
    with_supervisors = settings.model_copy(
        update={"supervisor_chat_id": supervisors, "daily_report_at": report_not_due()}
    )
    async with running_bot(with_supervisors, fake) as bot:
        fake.admin_changes_bot(admin, "kicked", chat_id=supervisors)
        await settled(bot, fake)
        removed = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        fake.remove_chat(supervisors)  # and the group is deleted
        fake.admin_changes_bot(admin, "kicked")  # then the agents' group removes the bot
        await settled(bot, fake)
    assert len(removed) == 1
    assert removed[0].startswith(f"SUPERVISOR_CHAT_ID={supervisors}: the bot was removed")
    assert "alerts and the daily report are dropped" in removed[0]
    not_sent = [r.getMessage() for r in caplog.records if r.name == "bot.pipeline"]
    assert [said.split(": ", 1)[1] for said in not_sent] == [  # after «update N: »
        f"the notice to SUPERVISOR_CHAT_ID={supervisors} that the bot lost "
        f"AGENT_CHAT_ID={fake.agent_chat_id} not sent (Chat not found)"
    ]
