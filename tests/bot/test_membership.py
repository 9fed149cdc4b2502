"""The membership cache: answers kept for the TTL (on an injected clock), errors never, bounded."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.membership import MEMBER_TTL_SECONDS, MemberCache, is_member
from tests.fake_telegram import FakeTelegram


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def telegram(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    """A real Bot talking to the fake server."""
    fake = fake_telegram
    async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as bot:
        yield bot


def asked(fake: FakeTelegram, user_id: int) -> int:
    return sum(c.get("user_id") == user_id for c in fake.calls("getChatMember"))


async def test_an_answer_is_kept_for_the_ttl_then_asked_again(
    telegram: Bot, fake_telegram: FakeTelegram
) -> None:
    fake, clock = fake_telegram, Clock()
    cache = MemberCache(clock=clock)
    agent, stranger = fake.new_agent("سارا"), fake.new_user("غریبه")
    chat = fake.agent_chat_id
    first = [await is_member(telegram, cache, (chat, u.id)) for u in (agent, stranger)]
    clock.now += MEMBER_TTL_SECONDS - 1
    again = [await is_member(telegram, cache, (chat, u.id)) for u in (agent, stranger)]
    assert (asked(fake, agent.id), asked(fake, stranger.id)) == (1, 1)
    clock.now += 1
    later = [await is_member(telegram, cache, (chat, u.id)) for u in (agent, stranger)]
    assert first == again == later == [True, False]
    assert (asked(fake, agent.id), asked(fake, stranger.id)) == (2, 2)


async def test_a_failed_lookup_is_unknown_and_is_not_cached(
    telegram: Bot, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    cache = MemberCache(clock=Clock())  # the clock never moves: only a cached answer could stay
    agent = fake.new_agent("مینا")
    key = (fake.agent_chat_id, agent.id)
    fake.fail_next("getChatMember", status=500)
    assert await is_member(telegram, cache, key) is None
    assert cache.get(key) is None
    assert await is_member(telegram, cache, key) is True
    assert await is_member(telegram, cache, key) is True
    assert asked(fake, agent.id) == 2


def test_the_cache_forgets_its_oldest_answers_beyond_its_bound() -> None:
    cache = MemberCache(max_entries=2, clock=Clock())
    cache.put((-1, 1), True)
    cache.put((-1, 2), False)
    cache.put((-1, 1), True)  # refreshed: now the newest
    cache.put((-1, 3), True)
    assert len(cache) == 2
    assert (cache.get((-1, 1)), cache.get((-1, 2)), cache.get((-1, 3))) == (True, None, True)
