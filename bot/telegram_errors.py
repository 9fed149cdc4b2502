"""What Telegram's refusals mean for a call: worth trying again, after how long, and why, in
Persian, a delivery failed (agents read it in the topic)."""

from __future__ import annotations

import asyncio
import warnings
from datetime import timedelta

import httpx
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot import desk_texts
from bot.http11 import NotConnected

BACKOFF_START = 0.5
# A reply Telegram keeps refusing with 429 (or cannot be reached for) is tried again until it
# has been refused this long in all: an answer ten minutes late still answers; one hours late
# is noise.
REFUSED_PATIENCE_SECONDS = 600.0
BACKOFF_MAX = 30.0


class DurableFailed(Exception):
    """A durable effect kept failing for a transient reason; the update stays unfinished."""


def worth_retrying(error: TelegramError) -> bool:
    """Say whether repeating an at-least-once call may help (a duplicate there is harmless)."""
    if isinstance(error, RetryAfter):
        return True  # Telegram refused it: nothing was delivered
    if isinstance(error, BadRequest):
        return False  # a request Telegram rejects will not improve
    return isinstance(error, NetworkError)  # includes TimedOut


# What a call failed with when it never left: no connection to Telegram (or to the proxy, or
# from the proxy on) could be made, or none was free. Nothing was delivered.
_NEVER_SENT = (
    NotConnected,
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,  # the proxy refused to open the way (CONNECT, SOCKS handshake)
)


def never_sent(error: TelegramError) -> bool:
    """Whether a network error surely left Telegram without the call (Telegram filtered, a
    proxy down): trying it again cannot deliver it twice."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, _NEVER_SENT):
            return True
        cause = cause.__cause__
    return False


class OutOfReach:
    """One call's wait for Telegram out of reach (never_sent): tried again more and more
    slowly, until `patience` seconds have passed since it was first found so."""

    def __init__(self, patience: float = REFUSED_PATIENCE_SECONDS) -> None:
        self.patience = patience
        self.since: float | None = None  # when it was first found out of reach
        self.tries = 0

    async def wait(self, error: TelegramError) -> bool:
        """Wait before the next try; False, without waiting, once the patience is spent."""
        now = asyncio.get_running_loop().time()
        if self.since is None:
            self.since = now
        elif now - self.since > self.patience:
            return False
        await asyncio.sleep(backoff(error, self.tries))
        self.tries += 1
        return True


def retry_later_if_worth_it(error: TelegramError, what: str) -> None:
    """Raise DurableFailed (the plan resumes later) unless the failure is final."""
    if worth_retrying(error):
        raise DurableFailed(f"{what}: {error}") from error


def retry_seconds(error: RetryAfter) -> float:
    """Return how long Telegram asked to wait (PTB 22 gives int or timedelta, and warns)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: float | timedelta = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def backoff(error: TelegramError, attempt: int) -> float:
    """How long to wait before trying a call again: as Telegram asked, else doubling."""
    if isinstance(error, RetryAfter):
        return retry_seconds(error)
    return min(BACKOFF_MAX, BACKOFF_START * 2.0**attempt)


def copy_source_deleted(error: TelegramError) -> bool:
    """Whether Telegram refused a copy because the message is gone (deleted by its sender)."""
    return isinstance(error, BadRequest) and "message to copy not found" in error.message.lower()


def topics_off(error: TelegramError) -> bool:
    """Whether Telegram refused a topic because the group has its Topics turned off."""
    return isinstance(error, BadRequest) and "not a forum" in error.message.lower()


def failure_reason(error: TelegramError) -> str:
    """Say in Persian why Telegram refused a delivery (agents read it in the topic)."""
    text = error.message.lower()
    if "deactivated" in text:
        return desk_texts.REASON_DEACTIVATED
    if "kicked" in text or "not a member" in text or "chat not found" in text:
        return desk_texts.REASON_NOT_IN_GROUP  # a group's answer: never a customer's block
    if isinstance(error, Forbidden) or "blocked" in text:
        return desk_texts.REASON_BLOCKED
    if "not a forum" in text:
        return desk_texts.REASON_NOT_FORUM
    if "thread not found" in text:
        return desk_texts.REASON_THREAD
    if "can't be copied" in text:
        return desk_texts.REASON_UNCOPYABLE
    if isinstance(error, RetryAfter):
        return desk_texts.REASON_TOO_MANY
    if "not enough rights" in text:
        return desk_texts.REASON_RIGHTS
    if "caption is too long" in text:
        return desk_texts.REASON_CAPTION_TOO_LONG
    if "message to edit not found" in text:
        return desk_texts.REASON_COPY_GONE
    return f"{desk_texts.REASON_UNKNOWN} ({error.message[:200]})"
