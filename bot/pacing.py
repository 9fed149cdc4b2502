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


class PacedRateLimiter(AIORateLimiter):
    """AIORateLimiter that runs a call's `Admission` when the call leaves the queue."""

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

        async def admitted_call(
            *call_args: Any, **call_kwargs: Any
        ) -> bool | JSONDict | list[JSONDict]:
            await admitted()
            return await callback(*call_args, **call_kwargs)

        return await super().process_request(admitted_call, args, kwargs, endpoint, data, None)
