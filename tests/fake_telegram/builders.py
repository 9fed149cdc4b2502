"""Build incoming messages and the Bot API JSON Telegram would send for them."""

from __future__ import annotations

import re
from typing import Any

from tests.fake_telegram.media import media_object
from tests.fake_telegram.parse_mode import utf16_len
from tests.fake_telegram.state import Chat, JSONDict, SentMessage, TelegramState, User

_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
MEDIA_KINDS = frozenset(
    {"photo", "document", "voice", "audio", "video", "animation", "sticker", "video_note"}
)
_DEFAULT_NAMES = {"document": "report.pdf", "audio": "song.mp3", "animation": "clip.gif.mp4"}
_DEFAULT_MIME = {"document": "application/pdf", "photo": None}


def command_entities(text: str) -> list[JSONDict]:
    """Return bot_command entities for /commands in text, as Telegram marks them."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in _COMMAND.finditer(text)
    ]


def incoming(
    state: TelegramState,
    chat: Chat,
    sender: User,
    kind: str,
    *,
    text: str | None = None,
    caption: str | None = None,
    thread_id: int | None = None,
    is_topic: bool = False,
    reply_to: int | None = None,
    media_group_id: str | None = None,
    data: bytes | None = None,
    file_name: str | None = None,
    mime_type: str | None = None,
    payload: JSONDict | None = None,
    forward_origin: JSONDict | None = None,
    entities: list[JSONDict] | None = None,
    extra: dict[str, Any] | None = None,
) -> SentMessage:
    """Store a message a user sends in chat (not yet enqueued as an update)."""
    message = SentMessage(
        chat_id=chat.id,
        message_id=state.new_message_id(chat),
        date=state.now(),
        sender=sender,
        kind=kind,
        from_bot=False,
        method="injected",
        message_thread_id=thread_id,
        is_topic_message=is_topic,
        reply_to_message_id=reply_to,
        media_group_id=media_group_id,
        payload=dict(payload or {}),
        forward_origin=forward_origin,
    )
    if kind == "text":
        message.text = text or ""
        message.entities = entities if entities is not None else command_entities(message.text)
    if kind in MEDIA_KINDS:
        number = state.file_counter + 1
        stored = state.new_file(
            kind,
            data if data is not None else f"fake {kind} #{number}".encode(),
            file_name=file_name or _DEFAULT_NAMES.get(kind),
            mime_type=mime_type or _DEFAULT_MIME.get(kind),
        )
        message.file = stored
        message.media = media_object(kind, stored, extra or {})
    if caption is not None:
        message.caption = caption
        message.caption_entities = command_entities(caption)
    return state.store(message)


def callback_payload(
    state: TelegramState, query_id: str, user: User, message: SentMessage, data: str
) -> JSONDict:
    """Build a callback_query with the (accessible) message carrying the button."""
    return {
        "id": query_id,
        "from": user.to_json(),
        "message": state.render(message),
        "chat_instance": str(abs(hash((message.chat_id, state.bot.id))) % 10**18),
        "data": data,
    }


def chat_member_payload(
    state: TelegramState, chat: Chat, actor: User, old: JSONDict, new: JSONDict
) -> JSONDict:
    """Build a my_chat_member / chat_member update payload."""
    return {
        "chat": chat.to_json(),
        "from": actor.to_json(),
        "date": state.now(),
        "old_chat_member": old,
        "new_chat_member": new,
    }
