"""The fake's world: users, chats, topics, files, messages, updates, recorded calls."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

JSONDict = dict[str, Any]

DEFAULT_TOKEN = "123456789:AAFakePasokhTestTokenXXXXXXXXXXXXXXX"
DEFAULT_AGENT_CHAT_ID = -1001000000001
TOPIC_ICON_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)
# Update types Telegram delivers when allowed_updates is empty or never set.
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
ADMIN_RIGHTS = (
    "can_be_edited",
    "is_anonymous",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
    "can_manage_topics",
)
# A restricted member's permissions (ChatMemberRestricted); is_member says whether they are
# still in the group.
RESTRICTED_RIGHTS = (
    "is_member",
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
    "can_edit_tag",
    "can_react_to_messages",
)


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and optional parameters."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None):
        super().__init__(f"{status} {description}")
        self.status = status
        self.description = description
        self.parameters = parameters

    def to_json(self) -> JSONDict:
        """Render the error body Telegram sends."""
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(description: str, parameters: JSONDict | None = None) -> ApiError:
    """Build a 400 "Bad Request: ..." error."""
    return ApiError(400, f"Bad Request: {description}", parameters)


@dataclass(frozen=True)
class User:
    """A Telegram user (customer, agent or the bot itself)."""

    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    is_bot: bool = False
    language_code: str | None = "fa"

    def to_json(self) -> JSONDict:
        """Render the Bot API User object."""
        data: JSONDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data


Agent = User


@dataclass
class Member:
    """A user's membership in a group: status and admin rights."""

    user: User
    status: str  # creator | administrator | member | restricted | left | kicked
    rights: dict[str, bool] = field(default_factory=dict)

    def to_json(self) -> JSONDict:
        """Render the Bot API ChatMember object."""
        data: JSONDict = {"status": self.status, "user": self.user.to_json()}
        if self.status == "administrator":
            data.update({right: self.rights.get(right, False) for right in ADMIN_RIGHTS})
        elif self.status == "creator":
            data["is_anonymous"] = False
        elif self.status == "restricted":
            data.update({right: self.rights.get(right, False) for right in RESTRICTED_RIGHTS})
            data["until_date"] = 0
        elif self.status == "kicked":
            data["until_date"] = 0
        return data


@dataclass
class Topic:
    """A forum topic; thread_id is the id of its creation service message."""

    chat_id: int
    thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    deleted: bool = False
    created_by: int = 0

    @property
    def state(self) -> str:
        """Return "open", "closed" or "deleted"."""
        if self.deleted:
            return "deleted"
        return "closed" if self.closed else "open"

    def to_json(self) -> JSONDict:
        """Render the Bot API ForumTopic object."""
        data: JSONDict = {
            "message_thread_id": self.thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            data["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return data


@dataclass
class Chat:
    """A chat: a user's private chat with the bot, a group or a (forum) supergroup."""

    id: int
    type: str  # private | group | supergroup | channel
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False
    members: dict[int, Member] = field(default_factory=dict)
    bot_status: str = "member"
    bot_rights: dict[str, bool] = field(default_factory=dict)
    migrated_to: int | None = None
    topics: dict[int, Topic] = field(default_factory=dict)
    last_message_id: int = 0
    pinned: list[int] = field(default_factory=list)

    def to_json(self) -> JSONDict:
        """Render the short Bot API Chat object carried by messages."""
        data: JSONDict = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            if (value := getattr(self, key)) is not None:
                data[key] = value
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass
class StoredFile:
    """A file known to the fake: uploaded by the bot or attached to an injected message."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None
    file_path: str = ""
    url: str | None = None

    @property
    def size(self) -> int:
        """Return the size in bytes."""
        return len(self.data)


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class Revision:
    """An earlier version of an edited message."""

    text: str | None
    entities: list[JSONDict]
    caption: str | None
    caption_entities: list[JSONDict]
    reply_markup: JSONDict | None
    date: int


@dataclass(eq=False)
class SentMessage:
    """A message the fake stores: sent by the bot, or injected by the test (from_bot False)."""

    chat_id: int
    message_id: int
    date: int
    sender: User
    kind: str  # text | photo | document | voice | audio | video | animation | sticker | ...
    from_bot: bool
    method: str  # sendMessage, copyMessage, ... or "injected"
    message_thread_id: int | None = None
    is_topic_message: bool = False
    text: str | None = None
    entities: list[JSONDict] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[JSONDict] = field(default_factory=list)
    parse_mode: str | None = None
    source_text: str | None = None  # text or caption as the bot sent it, before parsing
    reply_markup: JSONDict | None = None
    reply_to_message_id: int | None = None
    media_group_id: str | None = None
    file: StoredFile | None = None
    media: JSONDict | list[JSONDict] | None = None  # the kind's Bot API object
    payload: JSONDict = field(default_factory=dict)  # location, contact, service fields
    copied_from: tuple[int, int] | None = None
    forward_origin: JSONDict | None = None
    history: list[Revision] = field(default_factory=list)
    edit_date: int | None = None
    deleted: bool = False

    @property
    def thread_id(self) -> int | None:
        """Return message_thread_id."""
        return self.message_thread_id

    @property
    def content(self) -> str | None:
        """Return the visible text or caption."""
        return self.text if self.text is not None else self.caption

    @property
    def edited(self) -> bool:
        """Return True once the message has been edited."""
        return bool(self.history)

    @property
    def inline_buttons(self) -> list[JSONDict]:
        """Return the inline keyboard's buttons, row by row, flattened."""
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard") or []
        return [button for row in rows for button in row]

    @property
    def button_texts(self) -> list[str]:
        """Return the labels of the inline keyboard (or reply keyboard) buttons."""
        if not self.reply_markup:
            return []
        if "keyboard" in self.reply_markup:
            return [
                button if isinstance(button, str) else str(button.get("text", ""))
                for row in self.reply_markup["keyboard"]
                for button in row
            ]
        return [str(button.get("text", "")) for button in self.inline_buttons]

    @property
    def callback_datas(self) -> list[str]:
        """Return every callback_data of the inline keyboard."""
        return [b["callback_data"] for b in self.inline_buttons if "callback_data" in b]

    def button(self, label: str) -> JSONDict:
        """Return the inline button whose text equals (or uniquely contains) label."""
        buttons = self.inline_buttons
        exact = [b for b in buttons if b.get("text") == label]
        if len(exact) == 1:
            return exact[0]
        partial = [b for b in buttons if label in str(b.get("text", ""))]
        if len(partial) == 1:
            return partial[0]
        raise AssertionError(
            f"no single button labelled {label!r} on message {self.message_id}; "
            f"buttons: {[b.get('text') for b in buttons]}"
        )

    def callback_data(self, label: str) -> str:
        """Return the callback_data of the button labelled label."""
        button = self.button(label)
        if "callback_data" not in button:
            raise AssertionError(f"button {label!r} has no callback_data: {button}")
        return str(button["callback_data"])


@dataclass(frozen=True)
class Injected:
    """An update the test injected, and the message it carries (a dict, Bot API JSON)."""

    update: JSONDict
    stored: SentMessage | None = None

    @property
    def update_id(self) -> int:
        """Return update_id."""
        return int(self.update["update_id"])

    @property
    def kind(self) -> str:
        """Return the update type: message, edited_message, callback_query, ..."""
        return next(key for key in self.update if key != "update_id")

    @property
    def message(self) -> JSONDict:
        """Return the message carried (for a callback query: the message with the button)."""
        payload = self.update[self.kind]
        if self.kind == "callback_query":
            return dict(payload.get("message") or {})
        return dict(payload)

    @property
    def message_id(self) -> int:
        """Return the carried message's id."""
        return int(self.message["message_id"])

    @property
    def chat_id(self) -> int:
        """Return the carried message's chat id."""
        return int(self.message["chat"]["id"])

    @property
    def callback_query_id(self) -> str:
        """Return the callback query id (callback_query updates only)."""
        return str(self.update["callback_query"]["id"])


@dataclass
class ApiCall:
    """One Bot API request as the fake received and answered it."""

    method: str
    params: JSONDict
    files: dict[str, Upload]
    at: float
    status: int = 200
    response: JSONDict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Return True when the call succeeded."""
        return self.status == 200

    @property
    def result(self) -> Any:
        """Return the result of a successful call."""
        return self.response.get("result")


@dataclass
class FailRule:
    """An injected failure for matching calls."""

    methods: frozenset[str] | None  # lower-case names; None matches every method
    error: ApiError
    chat_id: int | str | None = None
    times: int = 1  # negative: forever

    def matches(self, method: str, params: JSONDict) -> bool:
        """Return True when this rule applies to the call."""
        if self.times == 0:
            return False
        if self.methods is not None and method.lower() not in self.methods:
            return False
        return self.chat_id is None or str(params.get("chat_id")) == str(self.chat_id)


@dataclass
class DelayRule:
    """Answer matching calls only after `seconds`."""

    methods: frozenset[str] | None
    seconds: float
    times: int = 1  # negative: forever

    def matches(self, method: str) -> bool:
        """Return True when this rule applies to the call."""
        return self.times != 0 and (self.methods is None or method.lower() in self.methods)


@dataclass
class CallHook:
    """Run `callback(method, params)` while a matching call is being answered."""

    methods: frozenset[str] | None
    callback: Callable[[str, JSONDict], None]
    where: JSONDict | None = None  # parameters the call must carry, e.g. {"user_id": 7}
    times: int = 1  # negative: forever

    def matches(self, method: str) -> bool:
        """Return True when this hook may apply to a call of `method` (see accepts)."""
        return self.times != 0 and (self.methods is None or method.lower() in self.methods)

    def accepts(self, params: JSONDict) -> bool:
        """Return True when the call's parameters carry every `where` value."""
        return all(params.get(key) == value for key, value in (self.where or {}).items())


@dataclass
class CallbackQuery:
    """A button press the test injected, and the bot's answer once it answers."""

    id: str
    user: User
    data: str
    message: SentMessage | None
    answered: bool = False
    answer: JSONDict | None = None


@dataclass
class Webhook:
    """The webhook configuration set by setWebhook."""

    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None
    deliveries: int = 0
    failures: int = 0


@dataclass
class FloodLimits:
    """Optional automatic 429s, roughly Telegram's limits."""

    per_private_chat: int = 1
    private_window: float = 1.0
    per_group: int = 20
    group_window: float = 60.0
    overall: int = 30
    overall_window: float = 1.0


class TelegramState:
    """All mutable state; every access holds `lock`, waiters use the two conditions."""

    def __init__(self, token: str, bot: User, clock: Callable[[], float] = time.time) -> None:
        self.token = token
        self.bot = bot
        self.clock = clock
        self.lock = threading.RLock()
        self.updates_cv = threading.Condition(self.lock)  # new update or stop: wake pollers
        self.changed_cv = threading.Condition(self.lock)  # anything changed: wake test waiters
        self.stopping = False
        self.users: dict[int, User] = {bot.id: bot}
        self.chats: dict[int, Chat] = {}
        self.messages: dict[tuple[int, int], SentMessage] = {}
        self.files: dict[str, StoredFile] = {}
        self.file_counter = 0
        self.media_group_counter = 0
        self.queue: list[JSONDict] = []  # updates not yet confirmed
        self.held_from: int | None = None  # updates from this id on wait for release_updates()
        self.injected: list[JSONDict] = []  # every update ever injected
        self.deliveries: dict[int, int] = {}
        self.next_update_id = 100_000_001
        self.confirmed_offset = 0
        self.poll_generation = 0
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self.webhook = Webhook()
        self.callbacks: dict[str, CallbackQuery] = {}
        self.calls: list[ApiCall] = []
        self.fail_rules: list[FailRule] = []
        self.delay_rules: list[DelayRule] = []
        self.call_hooks: list[CallHook] = []
        self.blocked: set[int] = set()
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.menu_buttons: dict[int | None, JSONDict] = {}
        self.bot_settings: dict[str, JSONDict] = {}
        self.flood: FloodLimits | None = None
        self.sends: list[tuple[float, int]] = []  # (monotonic time, chat_id) for flood limits

    def now(self) -> int:
        """Return the current Unix time for message dates."""
        return int(self.clock())

    def touch(self) -> None:
        """Wake every test waiting for a change; caller holds the lock."""
        self.changed_cv.notify_all()

    def chat(self, chat_id: int | str | None) -> Chat:
        """Return the chat for a chat_id parameter (int or @username) or raise chat not found."""
        if isinstance(chat_id, str):
            wanted = chat_id.removeprefix("@").lower()
            for chat in self.chats.values():
                if chat.username and chat.username.lower() == wanted:
                    return chat
        elif chat_id is not None and (found := self.chats.get(chat_id)) is not None:
            return found
        raise bad_request("chat not found")

    def message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """Return a live (not deleted) message or None."""
        found = self.messages.get((chat_id, message_id))
        return None if found is None or found.deleted else found

    def new_message_id(self, chat: Chat) -> int:
        """Allocate the chat's next message id, as Telegram numbers them per chat."""
        chat.last_message_id += 1
        return chat.last_message_id

    def store(self, message: SentMessage) -> SentMessage:
        """Keep a new message."""
        self.messages[(message.chat_id, message.message_id)] = message
        self.touch()
        return message

    def new_media_group_id(self) -> str:
        """Allocate a media_group_id."""
        self.media_group_counter += 1
        return f"{13_000_000_000_000_000 + self.media_group_counter}"

    def new_file(
        self,
        kind: str,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        url: str | None = None,
    ) -> StoredFile:
        """Keep a new file and give it an id and a download path."""
        self.file_counter += 1
        number = self.file_counter
        extension = _EXTENSIONS.get(kind, "bin")
        if file_name and "." in file_name:
            extension = file_name.rsplit(".", 1)[1]
        stored = StoredFile(
            file_id=f"Fake{kind.capitalize()}File{number:06d}",
            file_unique_id=f"FakeUnique{number:06d}",
            kind=kind,
            data=data,
            file_name=file_name,
            mime_type=mime_type or _MIME_TYPES.get(kind),
            file_path=f"{_FOLDERS.get(kind, 'documents')}/file_{number}.{extension}",
            url=url,
        )
        self.files[stored.file_id] = stored
        return stored

    def enqueue(self, kind: str, payload: JSONDict) -> JSONDict:
        """Append an incoming update and wake the poller."""
        update = {"update_id": self.next_update_id, kind: payload}
        self.next_update_id += 1
        self.queue.append(update)
        self.injected.append(update)
        self.updates_cv.notify_all()
        self.touch()
        return update

    def confirm(self, offset: int) -> None:
        """Forget updates below offset, as getUpdates(offset=...) confirms them."""
        if offset < 0:
            self.queue = self.queue[offset:]
            return
        self.queue = [u for u in self.queue if u["update_id"] >= offset]
        self.confirmed_offset = max(self.confirmed_offset, offset)
        self.touch()

    def take_deliverable(self, limit: int) -> list[JSONDict]:
        """Drop queued updates of types not allowed, then return the first `limit` others.

        Updates a test holds back (held_from) are not handed out yet.
        """
        kept = [u for u in self.queue if _update_type(u) in self.allowed_updates]
        if len(kept) != len(self.queue):
            self.queue = kept
        held = self.held_from
        batch = [u for u in kept if held is None or u["update_id"] < held][:limit]
        for update in batch:
            self.deliveries[update["update_id"]] = self.deliveries.get(update["update_id"], 0) + 1
        return batch

    def render(self, message: SentMessage, *, nested: bool = False) -> JSONDict:
        """Render a stored message as Bot API Message JSON."""
        chat = self.chats[message.chat_id]
        data: JSONDict = {"message_id": message.message_id}
        if chat.type != "channel":
            data["from"] = message.sender.to_json()
        data["date"] = message.date
        data["chat"] = chat.to_json()
        if message.message_thread_id is not None:
            data["message_thread_id"] = message.message_thread_id
        if message.is_topic_message:
            data["is_topic_message"] = True
        if message.forward_origin is not None:
            data["forward_origin"] = message.forward_origin
        if not nested:
            reply = self._reply_target(message)
            if reply is not None:
                data["reply_to_message"] = self.render(reply, nested=True)
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if message.media_group_id is not None:
            data["media_group_id"] = message.media_group_id
        if message.text is not None:
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
        if message.media is not None:
            data[message.kind] = message.media
            if message.kind == "animation":
                data["document"] = message.media  # Telegram sends both for a GIF
        if message.caption is not None:
            data["caption"] = message.caption
            if message.caption_entities:
                data["caption_entities"] = message.caption_entities
        data.update(message.payload)
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        return data

    def _reply_target(self, message: SentMessage) -> SentMessage | None:
        if message.reply_to_message_id is not None:
            return self.messages.get((message.chat_id, message.reply_to_message_id))
        thread = message.message_thread_id
        if message.is_topic_message and thread is not None and thread != message.message_id:
            # Every message in a topic "replies" to the topic's creation service message.
            return self.messages.get((message.chat_id, thread))
        return None


def _update_type(update: JSONDict) -> str:
    return next(key for key in update if key != "update_id")


_EXTENSIONS = {
    "photo": "jpg",
    "voice": "oga",
    "audio": "mp3",
    "video": "mp4",
    "animation": "mp4",
    "sticker": "webp",
    "video_note": "mp4",
    "document": "bin",
}
_MIME_TYPES = {
    "voice": "audio/ogg",
    "audio": "audio/mpeg",
    "video": "video/mp4",
    "animation": "video/mp4",
    "video_note": "video/mp4",
}
_FOLDERS = {
    "photo": "photos",
    "voice": "voice",
    "audio": "music",
    "video": "videos",
    "animation": "animations",
    "sticker": "stickers",
    "video_note": "video_notes",
}
