"""Keep within Telegram's send limits, and say when a request leaves the queue.

A reply is sent at most once: it is marked as on its way before the call, and a
crash after the mark never sends it again. PTB's AIORateLimiter may hold a call
for seconds in a burst (thirty a second overall, twenty a minute per group);
marked while it waited, a reply was lost to a stop or a crash meanwhile, its
update recorded as done. So a call can carry an `Admission` (as its
`rate_limit_args`): it runs when the limiter lets the call through, right before
the request goes, and the mark is committed there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter

JSONDict = dict[str, Any]


class Admission:
    """What to do once the limiter lets a call through, before its request is sent."""

    __slots__ = ("_then",)

    def __init__(self, then: Callable[[], Awaitable[None]]) -> None:
        self._then = then

    async def __call__(self) -> None:
        await self._then()

    def __bool__(self) -> bool:  # ExtBot drops falsy rate_limit_args
        return True


# How long a stop waits for replies already marked as on their way to go out.
FINISH_SENDING_SECONDS = 10.0


class PacedRateLimiter(AIORateLimiter):
    """AIORateLimiter that runs a call's `Admission` when the call leaves the queue. From
    then on the call is carried to its end even if the update handling it is cancelled (a
    stop): marked as on its way, it would otherwise be neither sent nor sent again. A stop
    waits for such calls (`shutdown`, before the HTTP client closes)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sending: set[asyncio.Task[Any]] = set()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | Admission | None,
    ) -> bool | JSONDict | list[JSONDict]:
        if not isinstance(rate_limit_args, Admission):
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        admitted = rate_limit_args

        async def send(*call_args: Any, **call_kwargs: Any) -> bool | JSONDict | list[JSONDict]:
            await admitted()
            return await callback(*call_args, **call_kwargs)

        async def admitted_call(
            *call_args: Any, **call_kwargs: Any
        ) -> bool | JSONDict | list[JSONDict]:
            task = asyncio.ensure_future(send(*call_args, **call_kwargs))
            self._sending.add(task)
            task.add_done_callback(_finished(self._sending))
            return await asyncio.shield(task)

        return await super().process_request(admitted_call, args, kwargs, endpoint, data, None)

    async def shutdown(self) -> None:
        if self._sending:
            _, late = await asyncio.wait(set(self._sending), timeout=FINISH_SENDING_SECONDS)
            for task in late:  # Telegram or the database not answering: no longer
                task.cancel()
        await super().shutdown()


def _finished(sending: set[asyncio.Task[Any]]) -> Callable[[asyncio.Task[Any]], None]:
    def done(task: asyncio.Task[Any]) -> None:
        sending.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: the caller, if still there, got it too

    return done
