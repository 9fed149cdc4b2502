"""Injecting what users and agents do: messages, edits, button presses, topic events."""

from __future__ import annotations

from typing import Any

from tests.fake_telegram.api_chats import delete_topic
from tests.fake_telegram.api_messages import revise
from tests.fake_telegram.builders import (
    MEDIA_KINDS,
    callback_payload,
    chat_member_payload,
    command_entities,
    incoming,
)
from tests.fake_telegram.media import media_object
from tests.fake_telegram.state import (
    TOPIC_ICON_COLORS,
    CallbackQuery,
    Chat,
    Injected,
    JSONDict,
    Member,
    SentMessage,
    Topic,
    User,
)
from tests.fake_telegram.world import FakeWorld

MessageRef = SentMessage | Injected


# What Telegram puts in `from` when an admin with «Remain anonymous» writes in a group.
GROUP_ANONYMOUS_BOT = User(1087968824, "Group", "GroupAnonymousBot", is_bot=True)


class Injector(FakeWorld):
    """Build real Bot API updates and queue them for the bot (thread-safe)."""

    def _enqueue_message(self, message: SentMessage, kind: str = "message") -> Injected:
        update = self.state.enqueue(kind, self.state.render(message))
        return Injected(update, message)

    def inject(self, kind: str, payload: JSONDict) -> Injected:
        """Inject any raw update payload (update_id is assigned)."""
        with self.state.lock:
            return Injected(self.state.enqueue(kind, payload))

    def hold_updates(self) -> None:
        """Hand out no update injected from now on until release_updates().

        Earlier updates are still delivered, so the bot gets what came before in one
        getUpdates answer and the held ones in a later one, as when Telegram answers a
        long poll as soon as the first of several simultaneous updates exists.
        """
        with self.state.lock:
            if self.state.held_from is None:
                self.state.held_from = self.state.next_update_id

    def release_updates(self) -> None:
        """Deliver the updates held back by hold_updates() (to the next poll or webhook push)."""
        with self.state.lock:
            self.state.held_from = None
            self.state.updates_cv.notify_all()
            self.state.touch()

    def new_media_group_id(self) -> str:
        """Allocate a media_group_id, to build an album item by item."""
        with self.state.lock:
            return self.state.new_media_group_id()

    def skip_update_ids(self, count: int) -> None:
        """Make the next update_id jump, as after a week without updates."""
        with self.state.lock:
            self.state.next_update_id += count

    def _private(self, user: User) -> Chat:
        chat = self.state.chats.get(user.id)
        if chat is None:
            raise ValueError(f"user {user.id} has no private chat; create it with new_user()")
        return chat

    def _reply_id(self, reply_to: MessageRef | int | None) -> int | None:
        if reply_to is None or isinstance(reply_to, int):
            return reply_to
        return reply_to.message_id

    def user_sends_text(
        self,
        user: User,
        text: str,
        *,
        reply_to: MessageRef | int | None = None,
        entities: list[JSONDict] | None = None,
    ) -> Injected:
        """Inject a private text message; /commands get bot_command entities."""
        with self.state.lock:
            message = incoming(
                self.state,
                self._private(user),
                user,
                "text",
                text=text,
                entities=entities,
                reply_to=self._reply_id(reply_to),
            )
            return self._enqueue_message(message)

    def user_sends_media(
        self,
        user: User,
        kind: str,
        *,
        caption: str | None = None,
        data: bytes | None = None,
        file_name: str | None = None,
        mime_type: str | None = None,
        reply_to: MessageRef | int | None = None,
        media_group_id: str | None = None,
    ) -> Injected:
        """Inject a private media message (photo, voice, document, sticker, video, ...)."""
        if kind not in MEDIA_KINDS:
            raise ValueError(f"unknown media kind {kind!r}; one of {sorted(MEDIA_KINDS)}")
        with self.state.lock:
            message = incoming(
                self.state,
                self._private(user),
                user,
                kind,
                caption=None if kind in ("sticker", "video_note") else caption,
                data=data,
                file_name=file_name,
                mime_type=mime_type,
                reply_to=self._reply_id(reply_to),
                media_group_id=media_group_id,
            )
            return self._enqueue_message(message)

    def user_sends_photo(self, user: User, caption: str | None = None, **kwargs: Any) -> Injected:
        """Inject a photo."""
        return self.user_sends_media(user, "photo", caption=caption, **kwargs)

    def user_sends_voice(self, user: User, caption: str | None = None, **kwargs: Any) -> Injected:
        """Inject a voice note."""
        return self.user_sends_media(user, "voice", caption=caption, **kwargs)

    def user_sends_document(
        self, user: User, caption: str | None = None, **kwargs: Any
    ) -> Injected:
        """Inject a document (report.pdf unless file_name is given)."""
        return self.user_sends_media(user, "document", caption=caption, **kwargs)

    def user_sends_video(self, user: User, caption: str | None = None, **kwargs: Any) -> Injected:
        """Inject a video."""
        return self.user_sends_media(user, "video", caption=caption, **kwargs)

    def user_sends_audio(self, user: User, caption: str | None = None, **kwargs: Any) -> Injected:
        """Inject an audio file."""
        return self.user_sends_media(user, "audio", caption=caption, **kwargs)

    def user_sends_animation(
        self, user: User, caption: str | None = None, **kwargs: Any
    ) -> Injected:
        """Inject a GIF animation."""
        return self.user_sends_media(user, "animation", caption=caption, **kwargs)

    def user_sends_sticker(self, user: User, **kwargs: Any) -> Injected:
        """Inject a sticker."""
        return self.user_sends_media(user, "sticker", **kwargs)

    def user_sends_location(
        self, user: User, latitude: float = 35.6892, longitude: float = 51.389
    ) -> Injected:
        """Inject a location (Tehran by default)."""
        with self.state.lock:
            message = incoming(
                self.state,
                self._private(user),
                user,
                "location",
                payload={"location": {"latitude": latitude, "longitude": longitude}},
            )
            return self._enqueue_message(message)

    def user_sends_dice(self, user: User, emoji: str = "🎲", value: int = 4) -> Injected:
        """Inject a dice: what Telegram makes of 🎲, 🎯, 🏀, ⚽, 🎳 or 🎰 sent alone."""
        with self.state.lock:
            message = incoming(
                self.state,
                self._private(user),
                user,
                "dice",
                payload={"dice": {"emoji": emoji, "value": value}},
            )
            return self._enqueue_message(message)

    def user_sends_contact(
        self,
        user: User,
        phone_number: str = "+989121234567",
        first_name: str | None = None,
        *,
        own: bool = True,
    ) -> Injected:
        """Inject a shared contact (the user's own by default, with user_id)."""
        contact: JSONDict = {
            "phone_number": phone_number,
            "first_name": first_name or user.first_name,
        }
        if own:
            contact["user_id"] = user.id
        with self.state.lock:
            message = incoming(
                self.state, self._private(user), user, "contact", payload={"contact": contact}
            )
            return self._enqueue_message(message)

    def user_sends_album(
        self, user: User, count: int = 3, *, kind: str = "photo", caption: str | None = None
    ) -> list[Injected]:
        """Inject count media messages sharing a media_group_id (caption on the first)."""
        with self.state.lock:
            group_id = self.state.new_media_group_id()
            return [
                self.user_sends_media(
                    user, kind, caption=caption if index == 0 else None, media_group_id=group_id
                )
                for index in range(count)
            ]

    def user_forwards(
        self,
        user: User,
        text: str,
        *,
        origin: User | None = None,
        hidden_name: str | None = None,
    ) -> Injected:
        """Inject a forwarded text; hidden_name mimics forward privacy (no user in the origin)."""
        if hidden_name is not None:
            forward: JSONDict = {
                "type": "hidden_user",
                "sender_user_name": hidden_name,
                "date": self.state.now() - 3600,
            }
        else:
            sender = origin or User(6_999_999, "فرستنده")
            forward = {
                "type": "user",
                "sender_user": sender.to_json(),
                "date": self.state.now() - 3600,
            }
        with self.state.lock:
            message = incoming(
                self.state,
                self._private(user),
                user,
                "text",
                text=text,
                entities=[],
                forward_origin=forward,
            )
            return self._enqueue_message(message)

    def user_edits(
        self, message: MessageRef, new_text: str, *, entities: list[JSONDict] | None = None
    ) -> Injected:
        """Edit an injected message (text, or caption of media); injects edited_message.
        `entities`: its formatting after the edit (default: bot_command entities only)."""
        with self.state.lock:
            stored = self._stored(message)
            if stored.from_bot:
                raise ValueError("user_edits edits messages a user or agent sent, not the bot's")
            shapes = command_entities(new_text) if entities is None else entities
            if stored.kind == "text":
                revise(self.state, stored, text=new_text, entities=shapes)
            else:
                revise(self.state, stored, caption=new_text, caption_entities=shapes)
            return self._enqueue_message(stored, "edited_message")

    def agent_edits(
        self, message: MessageRef, new_text: str, *, entities: list[JSONDict] | None = None
    ) -> Injected:
        """Edit an agent's injected message; injects edited_message (same as user_edits)."""
        return self.user_edits(message, new_text, entities=entities)

    def user_deletes(self, message: MessageRef) -> None:
        """Delete a message a user sent, in their chat (Telegram tells the bot nothing)."""
        with self.state.lock:
            self._stored(message).deleted = True

    def _stored(self, message: MessageRef) -> SentMessage:
        if isinstance(message, SentMessage):
            return message
        if message.stored is None:
            raise ValueError("this injected update carries no stored message")
        return message.stored

    def _press(self, user: User, message: MessageRef, data: str, check: bool) -> Injected:
        with self.state.lock:
            stored = self._stored(message)
            if stored.deleted:
                raise ValueError(f"message {stored.message_id} was deleted: nothing to press")
            if check and data not in stored.callback_datas:
                raise AssertionError(
                    f"message {stored.message_id} has no button with callback_data {data!r}; "
                    f"buttons: {stored.inline_buttons}"
                )
            query_id = str(next(self._query_ids))
            self.state.callbacks[query_id] = CallbackQuery(query_id, user, data, stored)
            payload = callback_payload(self.state, query_id, user, stored, data)
            return Injected(self.state.enqueue("callback_query", payload), stored)

    def user_presses(
        self, user: User, message: MessageRef, callback_data: str, *, check: bool = True
    ) -> Injected:
        """Inject a callback_query; check=True insists the message has that button now."""
        return self._press(user, message, callback_data, check)

    def user_presses_button(self, user: User, message: SentMessage, label: str) -> Injected:
        """Press the inline button labelled label (exact text or a unique part of it)."""
        return self._press(user, message, message.callback_data(label), True)

    def agent_presses(
        self, agent: User, message: MessageRef, callback_data: str, *, check: bool = True
    ) -> Injected:
        """Inject an agent's button press (e.g. on a ticket card in a topic)."""
        return self._press(agent, message, callback_data, check)

    def agent_presses_button(self, agent: User, message: SentMessage, label: str) -> Injected:
        """Press the inline button labelled label as an agent."""
        return self._press(agent, message, message.callback_data(label), True)

    def user_blocks_bot(self, user: User) -> Injected:
        """Block the bot: every later send to the user fails with 403; injects my_chat_member."""
        with self.state.lock:
            self.state.blocked.add(user.id)
            return self._my_chat_member(user, "member", "kicked")

    def user_unblocks_bot(self, user: User) -> Injected:
        """Unblock the bot again; injects my_chat_member."""
        with self.state.lock:
            self.state.blocked.discard(user.id)
            return self._my_chat_member(user, "kicked", "member")

    def admin_changes_bot(
        self, admin: User, status: str, rights: JSONDict | None = None, chat_id: int | None = None
    ) -> Injected:
        """An admin removes the bot from a group ("kicked"/"left"), demotes it ("member"), or
        makes it an admin again with `rights`; injects the bot's my_chat_member update."""
        with self.state.lock:
            chat = self.state.chats[chat_id if chat_id is not None else self.agent_chat_id]
            old = Member(self.bot_user, chat.bot_status, dict(chat.bot_rights)).to_json()
            chat.bot_status = status
            chat.bot_rights = dict(rights or {})
            new = Member(self.bot_user, status, dict(chat.bot_rights)).to_json()
            payload = chat_member_payload(self.state, chat, admin, old, new)
            return Injected(self.state.enqueue("my_chat_member", payload))

    def sender_replaces_media(
        self, message: MessageRef, kind: str = "photo", *, data: bytes = b"new"
    ) -> Injected:
        """Replace the file of an injected media message, keeping its caption (Telegram's
        "edit" of a photo or file); injects edited_message."""
        with self.state.lock:
            stored = self._stored(message)
            if stored.from_bot or stored.file is None:
                raise ValueError("sender_replaces_media edits a user's or agent's media message")
            new_file = self.state.new_file(kind, data)
            media = media_object(kind, new_file, {})
            revise(self.state, stored, kind=kind, file=new_file, media=media)
            return self._enqueue_message(stored, "edited_message")

    def _my_chat_member(self, user: User, old: str, new: str) -> Injected:
        chat = self._private(user)
        payload = chat_member_payload(
            self.state,
            chat,
            user,
            Member(self.bot_user, old).to_json(),
            Member(self.bot_user, new).to_json(),
        )
        return Injected(self.state.enqueue("my_chat_member", payload))

    def _group_message(
        self,
        agent: User,
        chat_id: int | None,
        thread_id: int | None,
        kind: str,
        **fields: Any,
    ) -> Injected:
        chat = self.state.chats[chat_id if chat_id is not None else self.agent_chat_id]
        member = chat.members.get(agent.id)
        if member is None or member.status in ("left", "kicked"):
            raise ValueError(f"{agent.first_name} ({agent.id}) is not a member of chat {chat.id}")
        is_topic = False
        if thread_id is not None and chat.is_forum:
            topic = chat.topics.get(thread_id)
            if topic is None or topic.deleted:
                raise ValueError(f"topic {thread_id} does not exist (or was deleted)")
            if topic.closed and member.status not in ("creator", "administrator"):
                raise ValueError(f"topic {thread_id} is closed: only admins can write in it")
            is_topic = True
        message = incoming(
            self.state, chat, agent, kind, thread_id=thread_id, is_topic=is_topic, **fields
        )
        return self._enqueue_message(message)

    def agent_sends_in_topic(
        self,
        agent: User,
        thread_id: int | None,
        text: str | None = None,
        *,
        media: str | None = None,
        caption: str | None = None,
        data: bytes | None = None,
        chat_id: int | None = None,
        media_group_id: str | None = None,
        entities: list[JSONDict] | None = None,
    ) -> Injected:
        """Inject an agent's message in a topic (None: the General topic), text or media
        (`entities`: a text's formatting, as Telegram sends it).

        media_group_id makes a media message an album item (see new_media_group_id).
        """
        with self.state.lock:
            if media is None:
                if text is None:
                    raise ValueError("give text or media")
                return self._group_message(
                    agent, chat_id, thread_id, "text", text=text, entities=entities
                )
            if media == "location":
                return self._group_message(
                    agent,
                    chat_id,
                    thread_id,
                    "location",
                    payload={"location": {"latitude": 35.6892, "longitude": 51.389}},
                )
            if media not in MEDIA_KINDS:
                raise ValueError(f"unknown media kind {media!r}")
            return self._group_message(
                agent,
                chat_id,
                thread_id,
                media,
                caption=caption or text,
                data=data,
                media_group_id=media_group_id,
            )

    def anonymous_admin_sends_in_topic(
        self,
        thread_id: int | None,
        text: str | None = None,
        *,
        media: str | None = None,
        media_group_id: str | None = None,
        chat_id: int | None = None,
    ) -> Injected:
        """Inject what an admin with «Remain anonymous» on writes: from GroupAnonymousBot, with
        the group itself as sender_chat (a text, or a media item with `text` as caption)."""
        with self.state.lock:
            chat = self.state.chats[chat_id if chat_id is not None else self.agent_chat_id]
            sender_chat = {
                "id": chat.id,
                "type": chat.type,
                "title": chat.title,
                "is_forum": chat.is_forum,
            }
            fields: dict[str, Any] = (
                {"text": text}
                if media is None
                else {"caption": text, "media_group_id": media_group_id}
            )
            message = incoming(
                self.state,
                chat,
                GROUP_ANONYMOUS_BOT,
                media or "text",
                thread_id=thread_id,
                is_topic=thread_id is not None and chat.is_forum,
                payload={"sender_chat": sender_chat},
                **fields,
            )
            return self._enqueue_message(message)

    def agent_replies_to(
        self,
        agent: User,
        thread_id: int | None,
        message_id: int,
        text: str,
        *,
        chat_id: int | None = None,
    ) -> Injected:
        """Inject an agent's text replying to a message in the topic (reply_to_message is it)."""
        with self.state.lock:
            return self._group_message(
                agent, chat_id, thread_id, "text", text=text, reply_to=message_id
            )

    def _topic_event(
        self, agent: User, thread_id: int, service: JSONDict, chat_id: int | None
    ) -> Injected:
        chat = self.state.chats[chat_id if chat_id is not None else self.agent_chat_id]
        message = incoming(
            self.state, chat, agent, "service", thread_id=thread_id, is_topic=True, payload=service
        )
        return self._enqueue_message(message)

    def agent_creates_topic(
        self, agent: User, name: str, *, chat_id: int | None = None
    ) -> Injected:
        """Inject a topic an agent created (forum_topic_created service message)."""
        with self.state.lock:
            chat = self.state.chats[chat_id if chat_id is not None else self.agent_chat_id]
            thread_id = chat.last_message_id + 1
            chat.topics[thread_id] = Topic(
                chat.id, thread_id, name, TOPIC_ICON_COLORS[0], created_by=agent.id
            )
            created = {"name": name, "icon_color": TOPIC_ICON_COLORS[0]}
            return self._topic_event(agent, thread_id, {"forum_topic_created": created}, chat_id)

    def agent_closes_topic(
        self, agent: User, thread_id: int, *, chat_id: int | None = None
    ) -> Injected:
        """Close a topic as an agent; injects forum_topic_closed."""
        with self.state.lock:
            self.topic(thread_id, chat_id).closed = True
            return self._topic_event(agent, thread_id, {"forum_topic_closed": {}}, chat_id)

    def agent_reopens_topic(
        self, agent: User, thread_id: int, *, chat_id: int | None = None
    ) -> Injected:
        """Reopen a topic as an agent; injects forum_topic_reopened."""
        with self.state.lock:
            self.topic(thread_id, chat_id).closed = False
            return self._topic_event(agent, thread_id, {"forum_topic_reopened": {}}, chat_id)

    def agent_deletes_topic(self, thread_id: int, *, chat_id: int | None = None) -> None:
        """Delete a topic as an agent; Telegram sends no update for it."""
        with self.state.lock:
            chat = self.chat(chat_id if chat_id is not None else self.agent_chat_id)
            delete_topic(self.state, chat, chat.topics[thread_id])

    def migrate_group(
        self, old_id: int, new_id: int, *, forum: bool = False
    ) -> tuple[Injected, Injected]:
        """Upgrade a group to a supergroup: sends to old_id then fail with migrate_to_chat_id."""
        with self.state.lock:
            old = self.state.chats.get(old_id) or self.add_group(old_id, "گروه", supergroup=False)
            new = Chat(
                new_id,
                "supergroup",
                title=old.title,
                is_forum=forum,
                members=dict(old.members),
                bot_status=old.bot_status,
                bot_rights=dict(old.bot_rights),
            )
            self.state.chats[new_id] = new
            old.migrated_to = new_id
            if self.agent_chat_id == old_id:
                self.agent_chat_id = new_id
            first = incoming(
                self.state, old, self.owner, "service", payload={"migrate_to_chat_id": new_id}
            )
            second = incoming(
                self.state, new, self.owner, "service", payload={"migrate_from_chat_id": old_id}
            )
            return self._enqueue_message(first), self._enqueue_message(second)
