"""Injected failures: the next call fails, a user blocks the bot, flood limits."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from tests.fake_telegram.state import (
    ApiError,
    CallHook,
    DelayRule,
    FailRule,
    FloodLimits,
    JSONDict,
    User,
)
from tests.fake_telegram.world import FakeWorld

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected failure",
    403: "Forbidden: bot was blocked by the user",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot "
    "instance is running",
    500: "Internal Server Error",
}


class FailureControls(FakeWorld):
    """Make calls fail the way Telegram fails them."""

    def fail_next(
        self,
        method: str | Iterable[str] | None,
        *,
        status: int = 400,
        description: str | None = None,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        chat_id: int | str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` matching calls fail (times=-1: forever; method None/"*": any)."""
        parameters: JSONDict = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        if description is None:
            description = _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after or 1}"
        error = ApiError(status, description, parameters or None)
        rule = FailRule(_methods(method), error, chat_id, times)
        with self.state.lock:
            self.state.fail_rules.append(rule)

    def fail_next_blocked(
        self,
        method: str | Iterable[str] | None = "sendMessage",
        *,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """Next matching call: 403 "Forbidden: bot was blocked by the user"."""
        self.fail_next(
            method,
            status=403,
            description="Forbidden: bot was blocked by the user",
            chat_id=chat_id,
            times=times,
        )

    def fail_next_retry_after(
        self,
        method: str | Iterable[str] | None = "sendMessage",
        retry_after: int = 1,
        *,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """Next matching call: 429 with parameters.retry_after."""
        self.fail_next(method, status=429, retry_after=retry_after, chat_id=chat_id, times=times)

    def fail_next_thread_not_found(
        self,
        method: str | Iterable[str] | None = "sendMessage",
        *,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """Next matching call: 400 "Bad Request: message thread not found"."""
        self.fail_next(
            method,
            status=400,
            description="Bad Request: message thread not found",
            chat_id=chat_id,
            times=times,
        )

    def fail_next_migrated(
        self,
        method: str | Iterable[str] | None,
        migrate_to_chat_id: int,
        *,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """Next matching call: 400 with parameters.migrate_to_chat_id."""
        self.fail_next(
            method,
            status=400,
            description="Bad Request: group chat was upgraded to a supergroup chat",
            migrate_to_chat_id=migrate_to_chat_id,
            chat_id=chat_id,
            times=times,
        )

    def delay_next(
        self, method: str | Iterable[str] | None, seconds: float, *, times: int = 1
    ) -> None:
        """Answer the next `times` matching calls only after `seconds` (a slow Telegram)."""
        with self.state.lock:
            self.state.delay_rules.append(DelayRule(_methods(method), seconds, times))

    def during_next(
        self,
        method: str | Iterable[str] | None,
        callback: Callable[[str, JSONDict], None],
        *,
        where: JSONDict | None = None,
        times: int = 1,
    ) -> None:
        """Run `callback(method_name, params)` while the next `times` matching calls are answered.

        `where` narrows the match to calls carrying those parameter values. The callback
        runs in the server's thread, after any delay_next, before failures and the answer,
        without the fake's lock (it may use the fake): the bot is still waiting for this
        answer meanwhile. A callback that raises counts as a crash of the fake.
        """
        with self.state.lock:
            self.state.call_hooks.append(CallHook(_methods(method), callback, where, times))

    def clear_failures(self) -> None:
        """Drop every pending injected failure, delay and during_next hook."""
        with self.state.lock:
            self.state.fail_rules.clear()
            self.state.delay_rules.clear()
            self.state.call_hooks.clear()

    def block_user(self, user: User | int) -> None:
        """Make every call to this user's chat fail with 403 (no update injected)."""
        with self.state.lock:
            self.state.blocked.add(user if isinstance(user, int) else user.id)

    def unblock_user(self, user: User | int) -> None:
        """Undo block_user."""
        with self.state.lock:
            self.state.blocked.discard(user if isinstance(user, int) else user.id)

    def enable_flood_limits(self, **limits: Any) -> None:
        """Answer 429 when sends exceed FloodLimits (1/s per private chat, 20/min per group)."""
        with self.state.lock:
            self.state.flood = FloodLimits(**limits)
            self.state.sends.clear()

    def disable_flood_limits(self) -> None:
        """Stop simulating flood limits."""
        with self.state.lock:
            self.state.flood = None


def _methods(method: str | Iterable[str] | None) -> frozenset[str] | None:
    """Normalise a method selector: None or "*" matches every method."""
    if method is None or method == "*":
        return None
    if isinstance(method, str):
        return frozenset({method.lower()})
    return frozenset(name.lower() for name in method)
