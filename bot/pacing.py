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
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter

JSONDict = dict[str, Any]

log = logging.getLogger(__name__)


class Admission:
    """What to do once the limiter lets a call through, before its request is sent; and, if
    Telegram then surely refuses it after its caller was stopped, how to take that back
    (`undo`: un-mark the reply, so the next start sends it)."""

    __slots__ = ("_then", "_undo")

    def __init__(
        self,
        then: Callable[[], Awaitable[None]],
        undo: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._then = then
        self._undo = undo

    async def __call__(self) -> None:
        await self._then()

    async def undo(self) -> None:
        if self._undo is not None:
            await self._undo()

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
        stopped = asyncio.Event()  # the caller was cancelled: nobody retries for it

        async def send(*call_args: Any, **call_kwargs: Any) -> bool | JSONDict | list[JSONDict]:
            await admitted()
            try:
                return await callback(*call_args, **call_kwargs)
            except (RetryAfter, NetworkError) as error:
                # Surely not delivered (a timeout may have been): with its caller gone, nobody
                # steps the mark back as the pipeline would, so do it here and say so.
                if stopped.is_set() and not isinstance(error, TimedOut):
                    log.warning(
                        "%s refused at a stop (%s); sent at the next start", endpoint, error
                    )
                    await admitted.undo()
                raise

        async def admitted_call(
            *call_args: Any, **call_kwargs: Any
        ) -> bool | JSONDict | list[JSONDict]:
            task = asyncio.ensure_future(send(*call_args, **call_kwargs))
            self._sending.add(task)
            task.add_done_callback(_finished(self._sending))
            try:
                return await asyncio.shield(task)
            except asyncio.CancelledError:
                stopped.set()
                raise

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
