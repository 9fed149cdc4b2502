"""Decode Bot API requests, apply injected failures, run the method, record the call."""

from __future__ import annotations

import json
import re
import sys
import time
import traceback
import urllib.parse
from typing import Any

# Importing the method modules registers their methods.
from tests.fake_telegram import api_chats, api_messages, api_updates  # noqa: F401
from tests.fake_telegram.api_common import METHODS
from tests.fake_telegram.state import (
    ApiCall,
    ApiError,
    JSONDict,
    TelegramState,
    Upload,
    bad_request,
)

INT_PARAMS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "message_thread_id",
        "user_id",
        "offset",
        "limit",
        "reply_to_message_id",
        "duration",
        "width",
        "height",
        "length",
        "icon_color",
        "cache_time",
        "max_connections",
        "until_date",
        "live_period",
        "heading",
        "proximity_alert_radius",
        "direct_messages_topic_id",
    }
)
FLOAT_PARAMS = frozenset({"latitude", "longitude", "horizontal_accuracy", "timeout"})
BOOL_PARAMS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "has_spoiler",
        "show_caption_above_media",
        "remove_caption",
        "allow_paid_broadcast",
        "only_if_banned",
        "disable_content_type_detection",
        "supports_streaming",
        "is_big",
        "for_channels",
    }
)
JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "reply_parameters",
        "entities",
        "caption_entities",
        "allowed_updates",
        "media",
        "message_ids",
        "commands",
        "scope",
        "menu_button",
        "link_preview_options",
        "results",
        "reaction",
        "rights",
        "options",
        "suggested_post_parameters",
    }
)
# Methods that still work when the user blocked the bot.
_READ_ONLY = frozenset({"getchat", "getchatmember", "getchatmembercount", "getme"})


def _decode_value(key: str, value: str) -> Any:
    if key in JSON_PARAMS:
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise bad_request(f"can't parse {key} JSON object") from None
    if key in INT_PARAMS:
        try:
            return int(value)
        except ValueError:
            if key == "chat_id":
                return value  # @channelusername
            raise bad_request(f"invalid {key} specified") from None
    if key in FLOAT_PARAMS:
        try:
            return float(value)
        except ValueError:
            raise bad_request(f"invalid {key} specified") from None
    if key in BOOL_PARAMS:
        return value.strip().lower() in ("true", "1")
    return value


def decode_params(raw: dict[str, str]) -> JSONDict:
    """Decode form fields: strings stay raw, the rest is JSON/int/bool inside the form."""
    return {key: _decode_value(key, value) for key, value in raw.items()}


_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_DISPOSITION_PARAM = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, str], dict[str, Upload]]:
    """Split a multipart/form-data body into text fields and file parts."""
    match = _BOUNDARY.search(content_type)
    if match is None:
        raise bad_request("multipart body without boundary")
    delimiter = b"--" + match.group(1).encode("latin-1")
    fields: dict[str, str] = {}
    uploads: dict[str, Upload] = {}
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            header, _, value = line.partition(":")
            headers[header.strip().lower()] = value.strip()
        disposition = dict(_DISPOSITION_PARAM.findall(headers.get("content-disposition", "")))
        field_name = disposition.get("name")
        if field_name is None:
            continue
        if "filename" in disposition:
            upload = Upload(disposition["filename"], headers.get("content-type"), content)
            uploads[field_name] = upload
        else:
            fields[field_name] = content.decode("utf-8")
    return fields, uploads


def parse_body(
    content_type: str, body: bytes, query: str
) -> tuple[dict[str, Any], dict[str, Upload], bool]:
    """Return (fields, uploads, already_typed) from a query string and a body of any kind."""
    fields: dict[str, Any] = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json" and body:
        try:
            data = json.loads(body)
        except json.JSONDecodeError:
            raise bad_request("can't parse JSON request body") from None
        if not isinstance(data, dict):
            raise bad_request("JSON request body must be an object")
        return data, {}, True
    if kind == "multipart/form-data":
        form, uploads = parse_multipart(body, content_type)
        fields.update(form)
        return fields, uploads, False
    if body:
        fields.update(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return fields, {}, False


class BotApi:
    """Answer Bot API calls against a TelegramState."""

    def __init__(self, state: TelegramState) -> None:
        self.state = state
        self.crashes: list[str] = []  # tracebacks of bugs in the fake itself

    def call(
        self, name: str, content_type: str, body: bytes, query: str = ""
    ) -> tuple[int, JSONDict]:
        """Run one method call; return (HTTP status, JSON body)."""
        state = self.state
        entry = METHODS.get(name.lower())
        self._delay(name)
        self._run_hooks(name, content_type, body, query)
        with state.lock:
            record = ApiCall(entry.name if entry else name, {}, {}, time.time())
            state.calls.append(record)
            state.touch()  # a test may wait for the call itself (e.g. a poll now waiting)
            try:
                fields, uploads, typed = parse_body(content_type, body, query)
                record.files = uploads
                record.params = fields if typed else decode_params(fields)
                if entry is None:
                    print(f"fake Telegram: unknown method {name!r}", file=sys.stderr)
                    raise bad_request(
                        f"fake Telegram does not implement method {name!r}; add it to "
                        "tests/fake_telegram"
                    )
                self._apply_rules(record)
                record.response = {
                    "ok": True,
                    "result": entry.handler(state, record.params, uploads),
                }
            except ApiError as error:
                record.status = error.status
                record.response = error.to_json()
            except Exception:
                details = traceback.format_exc()
                self.crashes.append(details)
                print(f"fake Telegram crashed in {name}:\n{details}", file=sys.stderr)
                record.status = 500
                record.response = {
                    "ok": False,
                    "error_code": 500,
                    "description": "Internal Server Error: fake Telegram crashed",
                }
            state.touch()
            return record.status, record.response

    def _delay(self, name: str) -> None:
        """Sleep (without the lock) when a delay_next rule matches, like a slow Telegram."""
        with self.state.lock:
            rule = next((r for r in self.state.delay_rules if r.matches(name)), None)
            if rule is None:
                return
            if rule.times > 0:
                rule.times -= 1
            self.state.delay_rules = [r for r in self.state.delay_rules if r.times != 0]
        time.sleep(rule.seconds)

    def _run_hooks(self, name: str, content_type: str, body: bytes, query: str) -> None:
        """Run during_next callbacks (without the lock, so they may observe the fake)."""
        with self.state.lock:
            hooks = [h for h in self.state.call_hooks if h.matches(name)]
            if not hooks:
                return
            try:
                fields, _, typed = parse_body(content_type, body, query)
                params = fields if typed else decode_params(fields)
            except ApiError:
                params = {}  # call() answers the malformed request itself
            hooks = [h for h in hooks if h.accepts(params)]
            for hook in hooks:
                if hook.times > 0:
                    hook.times -= 1
            self.state.call_hooks = [h for h in self.state.call_hooks if h.times != 0]
        for hook in hooks:
            try:
                hook.callback(name, params)
            except Exception:  # a broken hook is a bug in the test: report it like a crash
                details = traceback.format_exc()
                self.crashes.append(details)
                print(f"fake Telegram: a hook on {name} raised:\n{details}", file=sys.stderr)

    def _apply_rules(self, record: ApiCall) -> None:
        state = self.state
        for rule in state.fail_rules:
            if rule.matches(record.method, record.params):
                if rule.times > 0:
                    rule.times -= 1
                raise rule.error
        state.fail_rules = [rule for rule in state.fail_rules if rule.times != 0]
        chat_id = record.params.get("chat_id")
        if chat_id in state.blocked and record.method.lower() not in _READ_ONLY:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    def download(self, file_path: str) -> bytes | None:
        """Return a stored file's bytes by its file_path."""
        with self.state.lock:
            for stored in self.state.files.values():
                if stored.file_path == file_path:
                    return stored.data
        return None
