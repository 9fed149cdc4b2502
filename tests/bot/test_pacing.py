"""bot.pacing: a reply marked as on its way when the rate limiter lets it through is carried
to Telegram even if a stop cancels its update, or taken back if Telegram refuses it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.pacing import Admission, PacedRateLimiter


def limiter() -> PacedRateLimiter:
    return PacedRateLimiter(  # as bot.app builds it
        overall_max_rate=30,
        overall_time_period=1,
        group_max_rate=20,
        group_time_period=60,
        max_retries=0,
    )


async def stopped_while_sending(answer: BaseException | None) -> list[str]:
    """Let a call through, cancel its caller (a stop) while Telegram is answering, then shut
    the limiter down as a stop does; return what happened to the reply's mark."""
    paced = limiter()
    await paced.initialize()
    happened: list[str] = []

    async def mark() -> None:
        happened.append("marked")

    async def unmark() -> None:
        happened.append("unmarked")

    async def telegram(*_: Any) -> dict[str, Any]:
        await asyncio.sleep(0.2)
        if answer is not None:
            raise answer
        happened.append("sent")
        return {"message_id": 1}

    data = {"chat_id": 5}
    caller = asyncio.create_task(
        paced.process_request(
            telegram, ("sendMessage", data), {}, "sendMessage", data, Admission(mark, unmark)
        )
    )
    await asyncio.sleep(0.1)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    await paced.shutdown()
    return happened


async def test_a_reply_marked_on_its_way_is_sent_though_a_stop_cancels_its_update() -> None:
    assert await stopped_while_sending(None) == ["marked", "sent"]


@pytest.mark.parametrize("refusal", [RetryAfter(3), NetworkError("unreachable")])
async def test_a_reply_refused_after_a_stop_is_unmarked_for_the_next_start(
    refusal: BaseException,
) -> None:
    # It stayed marked, unsent, and was never sent again: nobody was left to retry it.
    assert await stopped_while_sending(refusal) == ["marked", "unmarked"]


async def test_a_reply_that_timed_out_after_a_stop_stays_marked() -> None:
    # It may have been delivered: sent again, it could reach the customer twice.
    assert await stopped_while_sending(TimedOut()) == ["marked"]
