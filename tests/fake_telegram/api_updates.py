"""getUpdates (long polling) and the webhook methods."""

from __future__ import annotations

import re
import time
from typing import Any

from tests.fake_telegram.api_common import method
from tests.fake_telegram.state import (
    DEFAULT_UPDATE_TYPES,
    ApiError,
    JSONDict,
    TelegramState,
    Upload,
    Webhook,
    bad_request,
)

_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _set_allowed(state: TelegramState, allowed: Any) -> None:
    if allowed is None:
        return  # Telegram keeps the previous setting
    if not isinstance(allowed, list):
        raise bad_request("can't parse allowed_updates JSON array")
    state.allowed_updates = frozenset(allowed) if allowed else DEFAULT_UPDATE_TYPES


def _number(params: JSONDict, key: str, default: float) -> float:
    value = params.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_request(f"invalid {key} specified")
    return float(value)


@method("getUpdates")
def get_updates(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> list[JSONDict]:
    """Confirm updates below offset, then long-poll up to `timeout` seconds for new ones."""
    if state.webhook.url:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook "
            "to delete the webhook first",
        )
    limit = min(max(int(_number(params, "limit", 100)), 1), 100)
    timeout = max(_number(params, "timeout", 0), 0.0)
    _set_allowed(state, params.get("allowed_updates"))
    if params.get("offset") is not None:
        state.confirm(int(_number(params, "offset", 0)))
    state.poll_generation += 1
    generation = state.poll_generation
    state.updates_cv.notify_all()  # an older poll still waiting must now end with 409
    deadline = time.monotonic() + timeout
    while True:
        if state.stopping:
            return []
        if generation != state.poll_generation:
            # Telegram ends the older of two concurrent requests with a conflict.
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one bot "
                "instance is running",
            )
        batch = state.take_deliverable(limit)
        remaining = deadline - time.monotonic()
        if batch or remaining <= 0:
            return batch
        state.updates_cv.wait(remaining)


@method("setWebhook")
def set_webhook(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> bool:
    """Start pushing updates to url (an empty url removes the webhook)."""
    url = params.get("url") or ""
    if url and not str(url).startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get("secret_token")
    if secret is not None and not _SECRET_TOKEN.fullmatch(str(secret)):
        raise bad_request("secret token contains unallowed characters")
    _set_allowed(state, params.get("allowed_updates"))
    if params.get("drop_pending_updates"):
        state.queue.clear()
    state.webhook = Webhook(
        url=str(url),
        secret_token=secret,
        max_connections=int(params.get("max_connections", 40)),
    )
    state.updates_cv.notify_all()
    state.touch()
    return True


@method("deleteWebhook")
def delete_webhook(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> bool:
    """Stop pushing updates; optionally drop the pending ones."""
    if params.get("drop_pending_updates"):
        state.queue.clear()
    state.webhook = Webhook()
    state.updates_cv.notify_all()
    state.touch()
    return True


@method("getWebhookInfo")
def get_webhook_info(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
    """Describe the webhook and the number of pending updates."""
    hook = state.webhook
    info: JSONDict = {
        "url": hook.url,
        "has_custom_certificate": False,
        "pending_update_count": len(state.queue),
    }
    if hook.url:
        info["max_connections"] = hook.max_connections
        if state.allowed_updates != DEFAULT_UPDATE_TYPES:
            info["allowed_updates"] = sorted(state.allowed_updates)
    if hook.last_error_date is not None:
        info["last_error_date"] = hook.last_error_date
        info["last_error_message"] = hook.last_error_message
    return info
