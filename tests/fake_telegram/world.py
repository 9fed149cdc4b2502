"""The fake's world seen from the test: the bot, its users, groups, topics."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

from tests.fake_telegram.api import BotApi
from tests.fake_telegram.state import (
    DEFAULT_AGENT_CHAT_ID,
    DEFAULT_TOKEN,
    Chat,
    Member,
    TelegramState,
    Topic,
    User,
)

_BOT_GROUP_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_restrict_members",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)


class FakeWorld:
    """The state behind the fake, with helpers to create users, agents and groups."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "pasokh_test_bot",
        bot_name: str = "پاسخ",
        agent_chat_id: int = DEFAULT_AGENT_CHAT_ID,
        agent_chat_title: str = "پشتیبانی پاسخ",
        bot_can_manage_topics: bool = True,
        webhook_retry_delay: float = 0.05,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.bot_user = User(int(token.split(":")[0]), bot_name, bot_username, is_bot=True)
        self.state = TelegramState(token, self.bot_user, clock)
        self.api = BotApi(self.state)
        self.webhook_retry_delay = webhook_retry_delay
        self.port = 0  # chosen by the first start, kept for restarts
        self._user_ids = itertools.count(7_000_001)
        self._query_ids = itertools.count(4_100_000_001)
        self.owner = self._add_user(User(next(self._user_ids), "مالک گروه", "group_owner"))
        self.agent_chat_id = agent_chat_id
        rights = {right: True for right in _BOT_GROUP_RIGHTS}
        rights["can_manage_topics"] = bot_can_manage_topics
        self.add_group(agent_chat_id, agent_chat_title, forum=True, bot_rights=rights)

    def _add_user(self, user: User) -> User:
        with self.state.lock:
            self.state.users[user.id] = user
            self.state.chats[user.id] = Chat(
                user.id,
                "private",
                username=user.username,
                first_name=user.first_name,
                last_name=user.last_name,
            )
        return user

    def new_user(
        self,
        first_name: str = "مشتری",
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "fa",
        user_id: int | None = None,
    ) -> User:
        """Create a customer with a private chat with the bot."""
        user_id = user_id if user_id is not None else next(self._user_ids)
        return self._add_user(
            User(user_id, first_name, username, last_name, language_code=language_code)
        )

    def new_agent(
        self,
        first_name: str = "کارشناس",
        *,
        username: str | None = None,
        admin: bool = False,
        chat_id: int | None = None,
    ) -> User:
        """Create a user who is a member (or admin) of the agents' group."""
        agent = self.new_user(first_name, username=username)
        status = "administrator" if admin else "member"
        rights = {"can_manage_topics": True, "can_delete_messages": True} if admin else {}
        self.add_member(
            chat_id if chat_id is not None else self.agent_chat_id, agent, status, rights
        )
        return agent

    def add_group(
        self,
        chat_id: int,
        title: str,
        *,
        forum: bool = False,
        supergroup: bool | None = None,
        bot_status: str = "administrator",
        bot_rights: dict[str, bool] | None = None,
    ) -> Chat:
        """Create a group the bot belongs to (a supergroup when forum or chat_id < -10**12)."""
        is_super = supergroup if supergroup is not None else (forum or chat_id < -(10**12))
        chat = Chat(
            chat_id,
            "supergroup" if is_super else "group",
            title=title,
            is_forum=forum,
            bot_status=bot_status,
            bot_rights=dict(bot_rights or {right: True for right in _BOT_GROUP_RIGHTS}),
        )
        chat.members[self.owner.id] = Member(self.owner, "creator")
        with self.state.lock:
            self.state.chats[chat_id] = chat
            self.state.touch()
        return chat

    def add_member(
        self,
        chat_id: int,
        user: User,
        status: str = "member",
        rights: dict[str, bool] | None = None,
    ) -> None:
        """Put a user in a group with a status (member, administrator, restricted, left,
        kicked) and its rights (an administrator's or a restricted member's)."""
        with self.state.lock:
            self.state.users.setdefault(user.id, user)
            self.state.chats[chat_id].members[user.id] = Member(user, status, dict(rights or {}))
            self.state.touch()

    def set_forum(self, on: bool, chat_id: int | None = None) -> None:
        """An admin turns the group's Topics on or off (Telegram sends the bot no update; the
        topics and their messages come back when Topics are turned on again)."""
        with self.state.lock:
            self.state.chats[chat_id if chat_id is not None else self.agent_chat_id].is_forum = on
            self.state.touch()

    def remove_chat(self, chat_id: int) -> None:
        """The chat is deleted: every call naming it answers "chat not found"."""
        with self.state.lock:
            del self.state.chats[chat_id]
            self.state.touch()

    def set_bot_rights(
        self, chat_id: int | None = None, *, status: str = "administrator", **rights: bool
    ) -> None:
        """Change the bot's status and admin rights in a group (e.g. can_manage_topics=False)."""
        with self.state.lock:
            chat = self.state.chats[chat_id if chat_id is not None else self.agent_chat_id]
            chat.bot_status = status
            chat.bot_rights.update(rights)
            self.state.touch()

    def chat(self, chat_id: int) -> Chat:
        """Return a chat's state."""
        with self.state.lock:
            return self.state.chats[chat_id]

    def topic(self, thread_id: int, chat_id: int | None = None) -> Topic:
        """Return a forum topic (of the agents' group by default)."""
        with self.state.lock:
            return self.chat(chat_id if chat_id is not None else self.agent_chat_id).topics[
                thread_id
            ]

    def topics(self, chat_id: int | None = None) -> list[Topic]:
        """Return every topic of a forum, deleted ones included, oldest first."""
        with self.state.lock:
            chat = self.chat(chat_id if chat_id is not None else self.agent_chat_id)
            return sorted(chat.topics.values(), key=lambda topic: topic.thread_id)
