"""Bot API methods that send, copy, forward, edit and delete messages."""

from __future__ import annotations

import itertools
from typing import Any

from tests.fake_telegram.api_common import (
    Handler,
    Target,
    create_message,
    format_text,
    int_param,
    method,
    optional_caption,
    require,
    resolve_input_file,
    send_target,
    validate_markup,
)
from tests.fake_telegram.media import FILE_KINDS, media_object
from tests.fake_telegram.state import (
    JSONDict,
    Revision,
    SentMessage,
    TelegramState,
    Upload,
    bad_request,
)

_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
_NO_CAPTION_KINDS = frozenset({"sticker", "video_note", "location", "contact", "text"})


@method("sendMessage")
def send_message(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
    """Send a text message."""
    target = send_target(state, params)
    text, entities = format_text(
        params.get("text"), params.get("parse_mode"), params.get("entities"), caption=False
    )
    markup = validate_markup(params.get("reply_markup"))
    message = create_message(
        state,
        target,
        "text",
        "sendMessage",
        text=text,
        entities=entities,
        parse_mode=params.get("parse_mode"),
        source_text=params.get("text"),
        reply_markup=markup,
    )
    return state.render(message)


def _file_sender(kind: str, method_name: str) -> Handler:
    def send_file(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        target = send_target(state, params)
        stored = resolve_input_file(state, kind, params.get(kind), files)
        caption, caption_entities = (
            (None, []) if kind in _NO_CAPTION_KINDS else optional_caption(params)
        )
        markup = validate_markup(params.get("reply_markup"))
        message = create_message(
            state,
            target,
            kind,
            method_name,
            caption=caption,
            caption_entities=caption_entities,
            parse_mode=params.get("parse_mode"),
            source_text=params.get("caption"),
            reply_markup=markup,
            file=stored,
            media=media_object(kind, stored, params),
        )
        return state.render(message)

    send_file.__doc__ = f"Send a {kind}."
    return send_file


for _kind, _method_name in FILE_KINDS.items():
    method(_method_name)(_file_sender(_kind, _method_name))


@method("sendLocation")
def send_location(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
    """Send a point on the map."""
    target = send_target(state, params)
    location = {"latitude": require(params, "latitude"), "longitude": require(params, "longitude")}
    markup = validate_markup(params.get("reply_markup"))
    message = create_message(
        state,
        target,
        "location",
        "sendLocation",
        payload={"location": location},
        reply_markup=markup,
    )
    return state.render(message)


@method("sendContact")
def send_contact(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
    """Send a phone contact."""
    target = send_target(state, params)
    contact: JSONDict = {
        "phone_number": str(require(params, "phone_number")),
        "first_name": str(require(params, "first_name")),
    }
    if params.get("last_name"):
        contact["last_name"] = params["last_name"]
    markup = validate_markup(params.get("reply_markup"))
    message = create_message(
        state, target, "contact", "sendContact", payload={"contact": contact}, reply_markup=markup
    )
    return state.render(message)


_ALBUM_KINDS = frozenset({"photo", "video", "document", "audio"})


@method("sendMediaGroup")
def send_media_group(
    state: TelegramState, params: JSONDict, files: dict[str, Upload]
) -> list[JSONDict]:
    """Send 2-10 photos/videos (or documents, or audios) as one album."""
    target = send_target(state, params)
    items = params.get("media")
    if not isinstance(items, list) or not 2 <= len(items) <= 10:
        raise bad_request("wrong number of messages specified: an album has 2-10 items")
    kinds = [item.get("type") if isinstance(item, dict) else None for item in items]
    if any(kind not in _ALBUM_KINDS for kind in kinds):
        raise bad_request("can't parse InputMedia: unsupported media type in an album")
    for lonely in ("document", "audio"):
        if lonely in kinds and any(kind != lonely for kind in kinds):
            raise bad_request(f"{lonely} can't be mixed with other media types")
    prepared = []
    for item in items:
        stored = resolve_input_file(state, item["type"], item.get("media"), files)
        caption, entities = optional_caption(item)
        prepared.append((item, stored, caption, entities))
    group_id = state.new_media_group_id()
    messages = [
        create_message(
            state,
            target,
            item["type"],
            "sendMediaGroup",
            caption=caption,
            caption_entities=entities,
            parse_mode=item.get("parse_mode"),
            source_text=item.get("caption"),
            file=stored,
            media=media_object(item["type"], stored, item),
            media_group_id=group_id,
        )
        for item, stored, caption, entities in prepared
    ]
    return [state.render(message) for message in messages]


def _source(state: TelegramState, params: JSONDict, message_id: int) -> SentMessage | None:
    source_chat = state.chat(require(params, "from_chat_id"))
    message = state.message(source_chat.id, message_id)
    if message is None or message.kind == "service":
        return None
    return message


def _copy(
    state: TelegramState,
    target: Target,
    source: SentMessage,
    params: JSONDict,
    method_name: str,
    *,
    media_group_id: str | None = None,
) -> SentMessage:
    fields: dict[str, Any] = {
        "text": source.text,
        "entities": list(source.entities),
        "caption": source.caption,
        "caption_entities": list(source.caption_entities),
        "file": source.file,
        "media": source.media,
        "payload": dict(source.payload),
        "copied_from": (source.chat_id, source.message_id),
        "media_group_id": media_group_id,
    }
    if source.kind not in _NO_CAPTION_KINDS:
        if params.get("remove_caption"):
            fields["caption"], fields["caption_entities"] = None, []
        elif "caption" in params:
            fields["caption"], fields["caption_entities"] = optional_caption(params)
            fields["parse_mode"] = params.get("parse_mode")
            fields["source_text"] = params.get("caption")
    if method_name.startswith("forward"):
        fields["forward_origin"] = source.forward_origin or _origin(state, source)
    elif method_name == "copyMessage":
        fields["reply_markup"] = validate_markup(params.get("reply_markup"))
    return create_message(state, target, source.kind, method_name, **fields)


def _origin(state: TelegramState, source: SentMessage) -> JSONDict:
    chat = state.chats[source.chat_id]
    if chat.type == "channel":
        return {
            "type": "channel",
            "chat": chat.to_json(),
            "message_id": source.message_id,
            "date": source.date,
        }
    return {"type": "user", "sender_user": source.sender.to_json(), "date": source.date}


@method("copyMessage")
def copy_message(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
    """Copy any non-service message; the answer carries only the new message_id."""
    source = _source(state, params, int_param(params, "message_id"))
    if source is None:
        if _exists_as_service(state, params, int_param(params, "message_id")):
            raise bad_request("message can't be copied")
        raise bad_request("message to copy not found")
    target = send_target(state, params)
    copied = _copy(state, target, source, params, "copyMessage")
    return {"message_id": copied.message_id}


@method("forwardMessage")
def forward_message(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
    """Forward a message with a forward_origin header."""
    source = _source(state, params, int_param(params, "message_id"))
    if source is None:
        raise bad_request("message to forward not found")
    target = send_target(state, params, with_reply=False)
    return state.render(_copy(state, target, source, params, "forwardMessage"))


def _exists_as_service(state: TelegramState, params: JSONDict, message_id: int) -> bool:
    chat = state.chat(params.get("from_chat_id"))
    message = state.message(chat.id, message_id)
    return message is not None and message.kind == "service"


def _copy_many(state: TelegramState, params: JSONDict, method_name: str) -> list[JSONDict]:
    ids = params.get("message_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids):
        raise bad_request("message_ids is empty")
    if len(ids) > 100:
        raise bad_request("too many messages to copy")
    if any(later <= earlier for earlier, later in itertools.pairwise(ids)):
        raise bad_request("message identifiers must be in strictly increasing order")
    sources = [s for i in ids if (s := _source(state, params, i)) is not None]
    if not sources:
        raise bad_request("messages to copy not found")
    target = send_target(state, params, with_reply=False)
    groups: dict[str, str] = {}
    results = []
    for source in sources:
        group = None
        if source.media_group_id is not None:
            group = groups.setdefault(source.media_group_id, state.new_media_group_id())
        copied = _copy(state, target, source, params, method_name, media_group_id=group)
        results.append({"message_id": copied.message_id})
    return results


@method("copyMessages")
def copy_messages(
    state: TelegramState, params: JSONDict, files: dict[str, Upload]
) -> list[JSONDict]:
    """Copy several messages, keeping albums grouped; answer their new ids."""
    return _copy_many(state, params, "copyMessages")


@method("forwardMessages")
def forward_messages(
    state: TelegramState, params: JSONDict, files: dict[str, Upload]
) -> list[JSONDict]:
    """Forward several messages; answer their new ids."""
    return _copy_many(state, params, "forwardMessages")


def _editable(state: TelegramState, params: JSONDict) -> SentMessage:
    if params.get("inline_message_id"):
        raise bad_request("fake Telegram does not support inline_message_id edits")
    chat = state.chat(require(params, "chat_id"))
    message = state.message(chat.id, int_param(params, "message_id"))
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


def revise(state: TelegramState, message: SentMessage, **changes: Any) -> None:
    """Change a stored message, keeping what it said before in its history (an edit)."""
    message.history.append(
        Revision(
            text=message.text,
            entities=message.entities,
            caption=message.caption,
            caption_entities=message.caption_entities,
            reply_markup=message.reply_markup,
            date=message.edit_date or message.date,
        )
    )
    for key, value in changes.items():
        setattr(message, key, value)
    message.edit_date = state.now()
    state.touch()


@method("editMessageText")
def edit_message_text(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> Any:
    """Replace a text message's text; without reply_markup the inline keyboard goes away."""
    message = _editable(state, params)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = format_text(
        params.get("text"), params.get("parse_mode"), params.get("entities"), caption=False
    )
    markup = validate_markup(params.get("reply_markup"))
    if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
        raise bad_request(_NOT_MODIFIED)
    revise(
        state,
        message,
        text=text,
        entities=entities,
        reply_markup=markup,
        parse_mode=params.get("parse_mode"),
        source_text=params.get("text"),
    )
    return state.render(message)


@method("editMessageCaption")
def edit_message_caption(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> Any:
    """Replace a media message's caption."""
    message = _editable(state, params)
    if message.kind in _NO_CAPTION_KINDS:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = optional_caption(params)
    markup = validate_markup(params.get("reply_markup"))
    current = (message.caption, message.caption_entities, message.reply_markup)
    if (caption, entities, markup) == current:
        raise bad_request(_NOT_MODIFIED)
    revise(
        state,
        message,
        caption=caption,
        caption_entities=entities,
        reply_markup=markup,
        parse_mode=params.get("parse_mode"),
        source_text=params.get("caption"),
    )
    return state.render(message)


# What editMessageMedia may put in a message (InputMedia types), and the kinds it may replace.
_EDITABLE_MEDIA = frozenset({"photo", "video", "document", "animation", "audio"})


@method("editMessageMedia")
def edit_message_media(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> Any:
    """Replace a media message's file (and its caption, which the new media carries)."""
    message = _editable(state, params)
    media = params.get("media")
    if not isinstance(media, dict) or media.get("type") not in _EDITABLE_MEDIA:
        raise bad_request("can't parse InputMedia: media is not specified or unsupported")
    if message.kind not in _EDITABLE_MEDIA:
        raise bad_request("there is no media in the message to edit")
    kind = str(media["type"])
    stored = resolve_input_file(state, kind, media.get("media"), files)
    caption, entities = optional_caption(media)
    markup = validate_markup(params.get("reply_markup"))
    same_file = message.file is not None and message.file.file_id == stored.file_id
    if same_file and (caption, entities, markup) == (
        message.caption,
        message.caption_entities,
        message.reply_markup,
    ):
        raise bad_request(_NOT_MODIFIED)
    revise(
        state,
        message,
        kind=kind,
        file=stored,
        media=media_object(kind, stored, media),
        caption=caption,
        caption_entities=entities,
        reply_markup=markup,
    )
    return state.render(message)


@method("editMessageReplyMarkup")
def edit_message_reply_markup(
    state: TelegramState, params: JSONDict, files: dict[str, Upload]
) -> Any:
    """Replace (or, without reply_markup, remove) a message's inline keyboard."""
    message = _editable(state, params)
    markup = validate_markup(params.get("reply_markup"))
    if markup is not None and "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    if markup == message.reply_markup or (not markup and not message.reply_markup):
        raise bad_request(_NOT_MODIFIED)
    revise(state, message, reply_markup=markup)
    return state.render(message)


def _delete(state: TelegramState, chat_id: int, message_id: int) -> bool:
    message = state.message(chat_id, message_id)
    if message is None:
        return False
    chat = state.chats[chat_id]
    may_delete = (
        message.from_bot
        or chat.type == "private"
        or chat.bot_status == "creator"
        or (chat.bot_status == "administrator" and chat.bot_rights.get("can_delete_messages"))
    )
    if not may_delete:
        raise bad_request("message can't be deleted")
    message.deleted = True
    state.touch()
    return True


@method("deleteMessage")
def delete_message(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> bool:
    """Delete one message."""
    chat = state.chat(require(params, "chat_id"))
    if not _delete(state, chat.id, int_param(params, "message_id")):
        raise bad_request("message to delete not found")
    return True


@method("deleteMessages")
def delete_messages(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> bool:
    """Delete several messages; missing ones are skipped."""
    chat = state.chat(require(params, "chat_id"))
    ids = params.get("message_ids")
    if not isinstance(ids, list) or not ids:
        raise bad_request("message_ids is empty")
    for message_id in ids:
        _delete(state, chat.id, int(message_id))
    return True


@method("answerCallbackQuery")
def answer_callback_query(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> bool:
    """Answer a button press once."""
    query = state.callbacks.get(str(params.get("callback_query_id")))
    if query is None or query.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = params.get("text")
    if isinstance(text, str) and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answered = True
    query.answer = {
        key: params[key] for key in ("text", "show_alert", "url", "cache_time") if key in params
    }
    state.touch()
    return True


DOWNLOAD_LIMIT = 20 * 1024 * 1024


@method("getFile")
def get_file(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
    """Describe a file and give the path to download it from /file/bot<token>/<path>."""
    stored = state.files.get(str(require(params, "file_id")))
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.size > DOWNLOAD_LIMIT:
        raise bad_request("file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        "file_path": stored.file_path,
    }
