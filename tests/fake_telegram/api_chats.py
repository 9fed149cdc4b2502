"""Bot API methods about the bot, chats, members, commands and forum topics."""

from __future__ import annotations

from typing import Any

from tests.fake_telegram.api_common import (
    bot_can_manage_topics,
    check_chat_writable,
    int_param,
    method,
    require,
    resolve_thread,
)
from tests.fake_telegram.state import (
    TOPIC_ICON_COLORS,
    Chat,
    JSONDict,
    Member,
    SentMessage,
    TelegramState,
    Topic,
    Upload,
    bad_request,
)

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


@method("getMe")
def get_me(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
    """Describe the bot."""
    return {
        **state.bot.to_json(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@method("logOut", "close")
def log_out(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> bool:
    """Accept and do nothing."""
    return True


@method("getChat")
def get_chat(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
    """Describe a chat (ChatFullInfo)."""
    chat = state.chat(require(params, "chat_id"))
    if chat.migrated_to is not None:
        check_chat_writable(state, chat)
    data = chat.to_json()
    data.update(
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types={
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    )
    return data


def _bot_member(state: TelegramState, chat: Chat) -> Member:
    if chat.type == "private":
        return Member(state.bot, "kicked" if chat.id in state.blocked else "member")
    return Member(state.bot, chat.bot_status, dict(chat.bot_rights))


@method("getChatMember")
def get_chat_member(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
    """Describe a user's membership in a chat."""
    chat = state.chat(require(params, "chat_id"))
    user_id = int_param(params, "user_id")
    if user_id == state.bot.id:
        return _bot_member(state, chat).to_json()
    if chat.type == "private":
        if user_id != chat.id:
            raise bad_request("user not found")
        return Member(state.users[user_id], "member").to_json()
    member = chat.members.get(user_id)
    if member is not None:
        return member.to_json()
    user = state.users.get(user_id)
    if user is None:
        raise bad_request("user not found")
    return Member(user, "left").to_json()


@method("getChatAdministrators")
def get_chat_administrators(
    state: TelegramState, params: JSONDict, files: dict[str, Upload]
) -> list[JSONDict]:
    """List a group's owner and administrators, the bot included when it is one."""
    chat = state.chat(require(params, "chat_id"))
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    admins = [m for m in chat.members.values() if m.status in ("creator", "administrator")]
    if chat.bot_status in ("creator", "administrator"):
        admins.append(_bot_member(state, chat))
    return [member.to_json() for member in admins]


@method("getChatMemberCount")
def get_chat_member_count(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> int:
    """Count members (the bot included)."""
    chat = state.chat(require(params, "chat_id"))
    if chat.type == "private":
        return 2
    present = [m for m in chat.members.values() if m.status not in ("left", "kicked")]
    return len(present) + (chat.bot_status not in ("left", "kicked"))


@method("leaveChat")
def leave_chat(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> bool:
    """Make the bot leave a group."""
    chat = state.chat(require(params, "chat_id"))
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    check_chat_writable(state, chat)
    chat.bot_status = "left"
    state.touch()
    return True


@method("sendChatAction")
def send_chat_action(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> bool:
    """Show "typing…" and friends."""
    chat = state.chat(require(params, "chat_id"))
    check_chat_writable(state, chat)
    if params.get("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    resolve_thread(state, chat, params.get("message_thread_id"))
    return True


@method("pinChatMessage")
def pin_chat_message(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> bool:
    """Pin a message."""
    chat = state.chat(require(params, "chat_id"))
    check_chat_writable(state, chat)
    message_id = int_param(params, "message_id")
    if state.message(chat.id, message_id) is None:
        raise bad_request("message to pin not found")
    chat.pinned.append(message_id)
    state.touch()
    return True


@method("unpinChatMessage", "unpinAllChatMessages")
def unpin_chat_message(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> bool:
    """Unpin one message (or the latest, or all when message_id is absent)."""
    chat = state.chat(require(params, "chat_id"))
    message_id = params.get("message_id")
    if message_id is None:
        chat.pinned.clear()
    elif message_id in chat.pinned:
        chat.pinned.remove(message_id)
    state.touch()
    return True


def _scope_key(params: JSONDict) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    parts = [str(scope["type"])] + [str(scope[k]) for k in ("chat_id", "user_id") if k in scope]
    return ":".join(parts), str(params.get("language_code") or "")


@method("setMyCommands")
def set_my_commands(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> bool:
    """Store the command list for a scope and language."""
    commands = params.get("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        name = command.get("command", "") if isinstance(command, dict) else ""
        if not 1 <= len(name) <= 32 or not all(
            c.islower() or c.isdigit() or c == "_" for c in name
        ):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(command.get("description", "")) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    state.commands[_scope_key(params)] = commands
    state.touch()
    return True


@method("getMyCommands")
def get_my_commands(
    state: TelegramState, params: JSONDict, files: dict[str, Upload]
) -> list[JSONDict]:
    """Return the command list for a scope and language."""
    return state.commands.get(_scope_key(params), [])


@method("deleteMyCommands")
def delete_my_commands(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> bool:
    """Forget the command list for a scope and language."""
    state.commands.pop(_scope_key(params), None)
    return True


@method("setChatMenuButton")
def set_chat_menu_button(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> bool:
    """Store the menu button (per chat, or the default)."""
    button = params.get("menu_button") or {"type": "default"}
    state.menu_buttons[params.get("chat_id")] = button
    state.touch()
    return True


@method("getChatMenuButton")
def get_chat_menu_button(
    state: TelegramState, params: JSONDict, files: dict[str, Upload]
) -> JSONDict:
    """Return the stored menu button."""
    chat_id = params.get("chat_id")
    return state.menu_buttons.get(chat_id) or state.menu_buttons.get(None) or {"type": "commands"}


_SETTINGS = {
    "setMyName": ("getMyName", "name"),
    "setMyDescription": ("getMyDescription", "description"),
    "setMyShortDescription": ("getMyShortDescription", "short_description"),
}


def _setting_setter(key: str) -> Any:
    def setter(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> bool:
        state.bot_settings[f"{key}:{params.get('language_code') or ''}"] = {
            key: params.get(key) or ""
        }
        state.touch()
        return True

    return setter


def _setting_getter(key: str) -> Any:
    def getter(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        stored = state.bot_settings.get(f"{key}:{params.get('language_code') or ''}")
        return stored or {key: state.bot.first_name if key == "name" else ""}

    return getter


for _setter, (_getter, _key) in _SETTINGS.items():
    method(_setter)(_setting_setter(_key))
    method(_getter)(_setting_getter(_key))


@method("setMyDefaultAdministratorRights")
def set_default_rights(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> bool:
    """Accept and do nothing."""
    return True


def _forum(state: TelegramState, params: JSONDict) -> Chat:
    chat = state.chat(require(params, "chat_id"))
    check_chat_writable(state, chat)
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    return chat


def _topic(state: TelegramState, params: JSONDict) -> tuple[Chat, Topic]:
    chat = _forum(state, params)
    topic = chat.topics.get(int_param(params, "message_thread_id"))
    if topic is None or topic.deleted:
        raise bad_request("message thread not found")
    if not bot_can_manage_topics(chat) and topic.created_by != state.bot.id:
        raise bad_request("not enough rights to manage topics")
    return chat, topic


def _topic_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise bad_request("TOPIC_NAME_EMPTY")
    if len(name) > 128:
        raise bad_request("TOPIC_NAME_INVALID")
    return name


def _topic_service(
    state: TelegramState, chat: Chat, topic: Topic, service: JSONDict, method_name: str
) -> SentMessage:
    message_id = state.new_message_id(chat)
    return state.store(
        SentMessage(
            chat_id=chat.id,
            message_id=message_id,
            date=state.now(),
            sender=state.bot,
            kind="service",
            from_bot=True,
            method=method_name,
            message_thread_id=topic.thread_id,
            is_topic_message=True,
            payload=service,
        )
    )


@method("createForumTopic")
def create_forum_topic(
    state: TelegramState, params: JSONDict, files: dict[str, Upload]
) -> JSONDict:
    """Create a topic; its id is the id of its creation service message."""
    chat = _forum(state, params)
    if not bot_can_manage_topics(chat):
        raise bad_request("not enough rights to create a topic")
    name = _topic_name(params.get("name"))
    color = params.get("icon_color", TOPIC_ICON_COLORS[0])
    if color not in TOPIC_ICON_COLORS:
        raise bad_request("invalid icon_color specified")
    emoji = params.get("icon_custom_emoji_id") or None
    thread_id = state.new_message_id(chat)
    topic = Topic(chat.id, thread_id, name, color, emoji, created_by=state.bot.id)
    chat.topics[thread_id] = topic
    created: JSONDict = {"name": name, "icon_color": color}
    if emoji:
        created["icon_custom_emoji_id"] = emoji
    state.store(
        SentMessage(
            chat_id=chat.id,
            message_id=thread_id,
            date=state.now(),
            sender=state.bot,
            kind="service",
            from_bot=True,
            method="createForumTopic",
            message_thread_id=thread_id,
            is_topic_message=True,
            payload={"forum_topic_created": created},
        )
    )
    return topic.to_json()


@method("editForumTopic")
def edit_forum_topic(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> bool:
    """Rename a topic or change its icon."""
    chat, topic = _topic(state, params)
    edited: JSONDict = {}
    if params.get("name"):
        name = _topic_name(params["name"])
        if name != topic.name:
            topic.name = edited["name"] = name
    if "icon_custom_emoji_id" in params:
        emoji = params["icon_custom_emoji_id"] or None
        if emoji != topic.icon_custom_emoji_id:
            topic.icon_custom_emoji_id = emoji
            edited["icon_custom_emoji_id"] = emoji or ""
    if not edited:
        raise bad_request("TOPIC_NOT_MODIFIED")
    _topic_service(state, chat, topic, {"forum_topic_edited": edited}, "editForumTopic")
    return True


@method("closeForumTopic")
def close_forum_topic(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> bool:
    """Close a topic."""
    chat, topic = _topic(state, params)
    if topic.closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.closed = True
    _topic_service(state, chat, topic, {"forum_topic_closed": {}}, "closeForumTopic")
    return True


@method("reopenForumTopic")
def reopen_forum_topic(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> bool:
    """Reopen a closed topic."""
    chat, topic = _topic(state, params)
    if not topic.closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.closed = False
    _topic_service(state, chat, topic, {"forum_topic_reopened": {}}, "reopenForumTopic")
    return True


@method("deleteForumTopic")
def delete_forum_topic(state: TelegramState, params: JSONDict, files: dict[str, Upload]) -> bool:
    """Delete a topic with all its messages."""
    chat, topic = _topic(state, params)
    delete_topic(state, chat, topic)
    return True


def delete_topic(state: TelegramState, chat: Chat, topic: Topic) -> None:
    """Mark a topic and every message in it deleted."""
    topic.deleted = True
    for (chat_id, _), message in state.messages.items():
        if chat_id == chat.id and message.message_thread_id == topic.thread_id:
            message.deleted = True
    state.touch()


@method("unpinAllForumTopicMessages")
def unpin_all_topic_messages(
    state: TelegramState, params: JSONDict, files: dict[str, Upload]
) -> bool:
    """Accept for an existing topic."""
    _topic(state, params)
    return True


@method("getForumTopicIconStickers")
def get_topic_icon_stickers(
    state: TelegramState, params: JSONDict, files: dict[str, Upload]
) -> list[JSONDict]:
    """Return no stickers."""
    return []
