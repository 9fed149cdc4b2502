"""Start-up: an agents' group the bot cannot work in stops it with one line saying what to fix."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from telegram.error import TimedOut

import bot.main
from bot.main import EXIT_CONFIG, Fatal, serve
from storage.db import create_engine_from_url
from tests.bot.desk_support import hand_off
from tests.bot.support import ANSWERED, make_settings, running_bot
from tests.fake_telegram import FakeTelegram
from tests.kb.conftest import refuse_listing

OTHER_GROUP = -1005550000001


def _unknown_chat(fake: FakeTelegram) -> int:
    return -1009999999999  # an id the bot was never added to (or mistyped)


def _topics_off(fake: FakeTelegram) -> int:
    fake.add_group(OTHER_GROUP, "کارشناسان", forum=False, supergroup=True)
    return OTHER_GROUP


def _plain_member(fake: FakeTelegram) -> int:
    fake.set_bot_rights(status="member")
    return fake.agent_chat_id


def _upgraded_group(fake: FakeTelegram) -> int:
    fake.migrate_group(-5550001, OTHER_GROUP, forum=True)
    return -5550001


@pytest.mark.parametrize(
    ("set_up", "fix"),
    [
        (_unknown_chat, "add the bot to the agents' group and check the id"),
        (_topics_off, "the chat is not a forum supergroup; turn on Topics"),
        (_plain_member, "not an administrator there; make it an admin with the 'Manage topics'"),
        (_upgraded_group, f"the group became a supergroup; set AGENT_CHAT_ID={OTHER_GROUP}"),
    ],
    ids=["unknown-chat", "topics-off", "not-admin", "upgraded-group"],
)
async def test_an_agents_group_the_bot_cannot_work_in_stops_it_and_says_what_to_fix(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    set_up: Callable[[FakeTelegram], int],
    fix: str,
) -> None:
    agent_chat_id = set_up(fake_telegram)
    settings = make_settings(fake_telegram, database_url, kb_dir, agent_chat_id=agent_chat_id)
    with pytest.raises(Fatal) as stopped:
        await asyncio.wait_for(serve(settings, asyncio.Event()), 30)
    assert stopped.value.code == EXIT_CONFIG
    assert str(stopped.value).startswith(f"AGENT_CHAT_ID={agent_chat_id}: ")
    assert fix in str(stopped.value)
    assert not fake_telegram.calls("getUpdates")  # it never started taking customers' messages


async def test_a_bot_owning_the_agents_group_starts_even_if_its_command_menu_is_refused(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_telegram
    fake.set_bot_rights(status="creator")  # the one who made the group: no admin rights listed
    fake.fail_next("setMyCommands", status=500)
    caplog.set_level(logging.WARNING, logger="bot.startup")
    async with running_bot(make_settings(fake, database_url, kb_dir), fake):
        user = fake.new_user()
        fake.user_sends_text(user, "/start")
        await fake.wait_for_messages_async(user.id, 2)
    assert "could not set the command menu" in caplog.text


async def test_an_l2_or_supervisors_chat_the_bot_cannot_use_is_logged_and_it_still_starts(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_telegram
    fake.add_group(OTHER_GROUP, "سطح ۲", forum=False, supergroup=True)  # Topics off
    settings = make_settings(
        fake,
        database_url,
        kb_dir,
        l2_chat_id=OTHER_GROUP,
        supervisor_chat_id=-1009999999999,  # never added there
    )
    caplog.set_level(logging.WARNING, logger="bot.startup")
    async with running_bot(settings, fake):
        user = fake.new_user()
        fake.user_sends_text(user, "/start")
        await fake.wait_for_messages_async(user.id, 2)  # customers are served
    assert f"L2_CHAT_ID={OTHER_GROUP}: the chat is not a forum supergroup" in caplog.text
    assert "escalations will fail until it is fixed" in caplog.text
    assert "SUPERVISOR_CHAT_ID=-1009999999999: the bot cannot reach this chat" in caplog.text


async def test_reachable_l2_and_supervisors_chats_start_without_warnings(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_telegram
    fake.add_group(OTHER_GROUP, "سطح ۲", forum=True)
    fake.add_group(-1005550000002, "سرپرستان")
    settings = make_settings(
        fake, database_url, kb_dir, l2_chat_id=OTHER_GROUP, supervisor_chat_id=-1005550000002
    )
    caplog.set_level(logging.WARNING, logger="bot.startup")
    async with running_bot(settings, fake):
        pass
    assert "L2_CHAT_ID" not in caplog.text and "SUPERVISOR_CHAT_ID" not in caplog.text


async def test_telegram_failing_the_l2_check_for_a_moment_is_logged_and_it_still_starts(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_telegram
    fake.add_group(OTHER_GROUP, "سطح ۲", forum=True)
    fake.fail_next("getChat", status=502, chat_id=OTHER_GROUP)
    settings = make_settings(fake, database_url, kb_dir, l2_chat_id=OTHER_GROUP)
    caplog.set_level(logging.WARNING, logger="bot.startup")
    async with running_bot(settings, fake):
        user = fake.new_user()
        fake.user_sends_text(user, "/start")
        await fake.wait_for_messages_async(user.id, 2)  # customers are served
    assert f"L2_CHAT_ID={OTHER_GROUP}: could not be checked" in caplog.text


async def test_a_background_loop_that_fails_does_not_spoil_a_clean_stop(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken_purge(*_: object, **__: object) -> int:
        raise RuntimeError("a bug in the purge")

    monkeypatch.setattr(bot.main, "inbox_purge", broken_purge)
    caplog.set_level(logging.INFO, logger="bot")
    fake = fake_telegram
    async with running_bot(make_settings(fake, database_url, kb_dir), fake):
        user = fake.new_user()
        fake.user_sends_text(user, "/start")
        await fake.wait_for_messages_async(user.id, 2)  # customers are still served
    assert "purging the inbox failed" in caplog.text  # logged with its traceback
    assert "stopped" in caplog.messages  # and the stop drained the updates in hand


async def test_a_read_only_database_stops_the_start_and_says_so(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    # Nothing to upgrade, so nothing written: the bot started, then every update waited on
    # "cannot reach the database" for ever.
    path = database_url.removeprefix("sqlite+aiosqlite:///")
    read_only = f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true"
    with pytest.raises(Fatal) as stopped:
        await asyncio.wait_for(serve(make_settings(fake_telegram, read_only, kb_dir)), 30)
    assert "readonly database" in str(stopped.value)
    assert fake_telegram.calls("getUpdates") == []


async def test_a_kb_folder_the_bot_cannot_read_stops_the_start_and_says_so(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # It started with no articles ("put articles in KB_DIR"), handing every question over.
    refuse_listing(monkeypatch, kb_dir)
    with pytest.raises(Fatal) as stopped:
        await asyncio.wait_for(serve(make_settings(fake_telegram, database_url, kb_dir)), 30)
    assert str(stopped.value) == (
        f"configuration error: KB_DIR={kb_dir} cannot be read (Permission denied); let the "
        "bot's account read the folder and its files"
    )
    assert stopped.value.code == EXIT_CONFIG
    assert fake_telegram.calls("getUpdates") == []


@pytest.mark.parametrize(
    ("base_url", "proxy", "fix"),
    [
        (
            None,
            None,
            "check the network; where Telegram is filtered, name a proxy in HTTPS_PROXY or "
            "ALL_PROXY (in .env or the environment)",
        ),
        (None, "socks5://127.0.0.1:1080", "check the proxy the environment names, and the network"),
        ("http://127.0.0.1:8081/bot", None, "check TELEGRAM_BASE_URL and the network"),
    ],
    ids=["telegram", "proxy", "own-server"],
)
def test_telegram_out_of_reach_at_start_says_where_to_look(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    base_url: str | None,
    proxy: str | None,
    fix: str,
) -> None:
    # api.telegram.org is filtered in Iran: "check the network or TELEGRAM_BASE_URL" named
    # neither the proxy that reaches it nor, with one set, the proxy as the suspect.
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("all_proxy", raising=False)
    if proxy is not None:
        monkeypatch.setenv("ALL_PROXY", proxy)
    settings = make_settings(fake_telegram, database_url, kb_dir, telegram_base_url=base_url)
    stopped = bot.main._unreachable(TimedOut(), settings)
    assert isinstance(stopped, Fatal)
    assert str(stopped) == f"cannot reach the Bot API server (Timed out); {fix}"


async def test_a_database_a_newer_release_migrated_stops_the_start_with_what_to_do(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    # A rolled-back deploy: alembic's "Can't locate revision" came as a 95-line traceback.
    engine = create_engine_from_url(database_url)
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    await engine.dispose()
    with pytest.raises(Fatal) as stopped:
        await asyncio.wait_for(serve(make_settings(fake_telegram, database_url, kb_dir)), 30)
    assert stopped.value.code == EXIT_CONFIG
    assert "schema revision 9999, newer than this release knows" in str(stopped.value)
    assert "run the newer release" in str(stopped.value)


async def test_an_empty_kb_folder_is_warned_about_at_start(
    fake_telegram: FakeTelegram,
    database_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Every question went to an agent, and only an INFO line said «0 articles».
    empty = tmp_path / "articles"
    empty.mkdir()
    caplog.set_level(logging.WARNING, logger="bot")
    async with running_bot(make_settings(fake_telegram, database_url, empty), fake_telegram):
        pass
    assert "the KB has no articles: every question goes to an agent" in caplog.text


async def test_a_desk_that_served_before_and_lost_its_group_starts_answering_from_the_kb(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # An admin took the bot's rights while it was down: it stopped with exit code 2 at every
    # start (a crash loop under a supervisor), and customers got no answer from the KB either.
    fake = fake_telegram
    settings = make_settings(fake, database_url, kb_dir)
    async with running_bot(settings, fake) as bot:
        await hand_off(bot, fake)
    fake.set_bot_rights(status="member")
    customer = fake.new_user("رضا")
    async with running_bot(settings, fake):
        fake.user_sends_text(customer, ANSWERED)
        answer = await fake.wait_for_messages_async(customer.id, 1)
    assert "رمز" in (answer[0].text or "")
    assert f"AGENT_CHAT_ID={fake.agent_chat_id}: the bot is not an administrator" in caplog.text
    assert "answering customers from the KB meanwhile" in caplog.text
