"""Method registry and the checks every sending method shares (chat, thread, reply, markup)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fake_telegram.media import compatible
from tests.fake_telegram.parse_mode import EntityParseError, parse, trim, utf16_len
from tests.fake_telegram.state import (
    ApiError,
    Chat,
    JSONDict,
    SentMessage,
    StoredFile,
    TelegramState,
    Upload,
    bad_request,
)

Handler = Callable[[TelegramState, JSONDict, dict[str, Upload]], Any]


@dataclass(frozen=True)
class MethodEntry:
    """A registered Bot API method."""

    name: str
    handler: Handler


METHODS: dict[str, MethodEntry] = {}
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "web_app",
    "login_url",
    "callback_game",
    "pay",
    "copy_text",
)


def method(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler under one or more Bot API method names."""

    def register(handler: Handler) -> Handler:
        for name in names:
            METHODS[name.lower()] = MethodEntry(name, handler)
        return handler

    return register


def require(params: JSONDict, key: str) -> Any:
    """Return a required parameter or raise "<key> is empty"."""
    value = params.get(key)
    if value is None or value == "":
        raise bad_request(f"{key} is empty")
    return value


def int_param(params: JSONDict, key: str) -> int:
    """Return a required integer parameter."""
    value = require(params, key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"invalid {key} specified")
    return value


def bot_can_manage_topics(chat: Chat) -> bool:
    """Return True when the bot may create, close and post in closed topics."""
    if chat.bot_status == "creator":
        return True
    return chat.bot_status == "administrator" and chat.bot_rights.get("can_manage_topics", False)


def check_chat_writable(state: TelegramState, chat: Chat) -> None:
    """Raise what Telegram answers when the bot cannot write to the chat."""
    if chat.migrated_to is not None:
        raise bad_request(
            "group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": chat.migrated_to},
        )
    if chat.type == "private":
        if chat.id in state.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return
    kind = "supergroup chat" if chat.type == "supergroup" else f"{chat.type} chat"
    if chat.bot_status == "kicked":
        raise ApiError(403, f"Forbidden: bot was kicked from the {kind}")
    if chat.bot_status == "left":
        raise ApiError(403, f"Forbidden: bot is not a member of the {kind}")


@dataclass
class Target:
    """Where a new message goes."""

    chat: Chat
    thread_id: int | None
    is_topic: bool
    reply_to: int | None


def resolve_thread(
    state: TelegramState, chat: Chat, thread_id: int | None
) -> tuple[int | None, bool]:
    """Validate message_thread_id for chat; return (thread_id, is_topic_message)."""
    if thread_id is None:
        return None, False
    if chat.is_forum:
        topic = chat.topics.get(thread_id)
        if topic is None or topic.deleted:
            raise bad_request("message thread not found")
        if topic.closed and not bot_can_manage_topics(chat):
            raise bad_request("TOPIC_CLOSED")
        return thread_id, True
    if thread_id in chat.topics:
        # A topic of a group whose Topics were turned off since: Telegram answers "message
        # thread not found" (seen in the field: tucnak/telebot#762), until Topics are on again.
        raise bad_request("message thread not found")
    if chat.type in ("group", "supergroup") and state.message(chat.id, thread_id) is not None:
        return thread_id, False
    raise bad_request("message thread not found")


def send_target(state: TelegramState, params: JSONDict, *, with_reply: bool = True) -> Target:
    """Resolve chat, thread and reply of a sending method, raising Telegram's errors."""
    chat = state.chat(require(params, "chat_id"))
    check_chat_writable(state, chat)
    thread_id, is_topic = resolve_thread(state, chat, params.get("message_thread_id"))
    reply_to: int | None = None
    if with_reply:
        reply = params.get("reply_parameters")
        if reply is None and params.get("reply_to_message_id") is not None:
            reply = {
                "message_id": params["reply_to_message_id"],
                "allow_sending_without_reply": params.get("allow_sending_without_reply", False),
            }
        if reply is not None:
            if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
                raise bad_request("can't parse reply parameters JSON object")
            reply_chat = chat
            if reply.get("chat_id") not in (None, chat.id, chat.username):
                reply_chat = state.chat(reply["chat_id"])  # a reply to another chat's message
            target = state.message(reply_chat.id, reply["message_id"])
            if target is None:
                if not reply.get("allow_sending_without_reply"):
                    raise bad_request("message to be replied not found")
            elif reply_chat is chat:
                reply_to = target.message_id
                if thread_id is None and target.is_topic_message:
                    thread_id, is_topic = target.message_thread_id, True
    return Target(chat, thread_id, is_topic, reply_to)


def validate_markup(markup: Any) -> JSONDict | None:
    """Check reply_markup like Telegram: button data 1-64 bytes, at most 100 buttons."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _validate_inline_keyboard(markup["inline_keyboard"])
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request("can't parse reply keyboard markup JSON object")
        for row in rows:
            for button in row:
                text = button if isinstance(button, str) else button.get("text")
                if not text:
                    raise bad_request("keyboard button text is empty")
    elif not ("remove_keyboard" in markup or "force_reply" in markup):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return markup


def _validate_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'can\'t parse inline keyboard button: field "inline_keyboard" must be an Array'
        )
    total = 0
    for row in rows:
        if len(row) > 8:
            raise bad_request("reply markup is too long")
        for button in row:
            total += 1
            if not isinstance(button, dict) or not button.get("text"):
                raise bad_request("can't parse inline keyboard button: Text must be non-empty")
            if not any(action in button for action in _BUTTON_ACTIONS):
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the "
                    "inline keyboard"
                )
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                    raise bad_request("BUTTON_DATA_INVALID")
            if "url" in button and not str(button["url"]).startswith(
                ("http://", "https://", "tg://")
            ):
                raise bad_request("BUTTON_URL_INVALID")
    if total > 100:
        raise bad_request("reply markup is too long")


def format_text(
    raw: Any, parse_mode: Any, entities: Any, *, caption: bool
) -> tuple[str, list[JSONDict]]:
    """Apply parse_mode (or explicit entities), trim, and check the length limit."""
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raw = str(raw)
    if entities is not None:
        if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
            raise bad_request("can't parse entities JSON object")
        total = utf16_len(raw)
        for entity in entities:
            offset, length = entity.get("offset"), entity.get("length")
            if not isinstance(offset, int) or not isinstance(length, int) or "type" not in entity:
                raise bad_request("can't parse entities JSON object")
            if offset < 0 or length <= 0 or offset + length > total:
                raise bad_request("entity beginning is out of bounds")
        text, parsed = raw, sorted(entities, key=lambda e: (e["offset"], -e["length"]))
    else:
        try:
            text, parsed = parse(raw, parse_mode if isinstance(parse_mode, str) else None)
        except EntityParseError as error:
            raise bad_request(f"can't parse entities: {error}") from None
        except ValueError:
            raise bad_request("unsupported parse_mode") from None
    text, parsed = trim(text, parsed)
    if caption:
        if len(text) > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
    elif not text:
        raise bad_request("message text is empty")
    elif len(text) > TEXT_LIMIT:
        raise bad_request("message is too long")
    return text, parsed


def optional_caption(params: JSONDict) -> tuple[str | None, list[JSONDict]]:
    """Format the caption parameter when present."""
    if params.get("caption") in (None, ""):
        return None, []
    caption, entities = format_text(
        params["caption"], params.get("parse_mode"), params.get("caption_entities"), caption=True
    )
    return (caption or None), entities


def resolve_input_file(
    state: TelegramState, kind: str, value: Any, files: dict[str, Upload]
) -> StoredFile:
    """Turn an upload, attach:// reference, URL or file_id into a stored file of kind."""
    if value is None or value == "":
        upload = files.get(kind)
        if upload is None:
            raise bad_request(f"there is no {kind} in the request")
        return state.new_file(
            kind, upload.data, file_name=upload.filename, mime_type=upload.content_type
        )
    if not isinstance(value, str):
        raise bad_request("wrong file identifier/HTTP URL specified")
    if value.startswith("attach://"):
        upload = files.get(value.removeprefix("attach://"))
        if upload is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return state.new_file(
            kind, upload.data, file_name=upload.filename, mime_type=upload.content_type
        )
    if value.startswith(("http://", "https://")):
        return state.new_file(kind, b"", url=value)
    known = state.files.get(value)
    if known is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if not compatible(known.kind, kind):
        raise bad_request(f"can't use file of type {_title(known.kind)} as {_title(kind)}")
    return known


def _title(kind: str) -> str:
    return "".join(part.capitalize() for part in kind.split("_"))


def check_flood(state: TelegramState, chat: Chat) -> None:
    """Raise 429 when optional flood limits are on and this send exceeds them."""
    limits = state.flood
    if limits is None:
        return
    now = time.monotonic()
    horizon = max(limits.group_window, limits.private_window, limits.overall_window)
    state.sends = [(at, chat_id) for at, chat_id in state.sends if now - at < horizon]
    if chat.type == "private":
        allowed, window = limits.per_private_chat, limits.private_window
    else:
        allowed, window = limits.per_group, limits.group_window
    in_chat = [at for at, chat_id in state.sends if chat_id == chat.id and now - at < window]
    overall = [at for at, _ in state.sends if now - at < limits.overall_window]
    wait = 0.0
    if len(in_chat) >= allowed:
        wait = in_chat[-allowed] + window - now
    if len(overall) >= limits.overall:
        wait = max(wait, overall[-limits.overall] + limits.overall_window - now)
    if wait > 0:
        retry_after = max(1, math.ceil(wait))
        raise ApiError(
            429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
        )
    state.sends.append((now, chat.id))


def create_message(
    state: TelegramState, target: Target, kind: str, method_name: str, **fields: Any
) -> SentMessage:
    """Store a new message from the bot in the target chat/thread."""
    check_flood(state, target.chat)
    message = SentMessage(
        chat_id=target.chat.id,
        message_id=state.new_message_id(target.chat),
        date=state.now(),
        sender=state.bot,
        kind=kind,
        from_bot=True,
        method=method_name,
        message_thread_id=target.thread_id,
        is_topic_message=target.is_topic,
        reply_to_message_id=target.reply_to,
        **fields,
    )
    return state.store(message)
