"""Albums: one update per item, but copied in one call so they stay one album."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from telegram import (
    Message,
    MessageOrigin,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
)

from bot import desk_texts
from bot.context import Work
from bot.effects import Relay
from bot.formatting import bound
from bot.intake import album_of
from bot.tickets import copied_to_topic
from handoff.persian import clean_block, clean_inline, shorten
from storage.models import InboxUpdate
from storage.models import Message as LoggedMessage
from storage.repositories import find_link_by_customer_message
from storage.timestamps import utcnow

# An album's items reach the bot within seconds; an hour allows for a restart in between.
ALBUM_ARRIVES_WITHIN = timedelta(hours=1)
# The most of a name, and of the words a customer quoted, shown over a reply to elsewhere.
SOURCE_SHOWN_MAX = 64
QUOTE_SHOWN_MAX = 1000


async def _later_items(work: Work, message: Message) -> list[dict[str, Any]]:
    """The rest of the message's album, stored and waiting in the inbox, in order."""
    group = message.media_group_id
    if group is None:
        return []
    rows = await work.session.scalars(
        select(InboxUpdate.payload).where(
            InboxUpdate.chat_id == message.chat_id,
            InboxUpdate.status == "pending",
            InboxUpdate.update_id > work.update_id,
        )
    )
    items: list[dict[str, Any]] = []
    for payload in rows:
        item: dict[str, Any] = payload.get("message") or {}
        same_chat = (item.get("chat") or {}).get("id") == message.chat_id
        if same_chat and album_of(payload) == group and item["message_id"] > message.message_id:
            items.append(item)
    return sorted(items, key=lambda item: int(item["message_id"]))


async def album_siblings(work: Work, message: Message) -> tuple[int, ...]:
    """Return the ids of the rest of the album, already stored and waiting in the inbox.

    An album arrives as one update per item, usually in one batch: the first item
    takes the others along, so the other side gets one album, not loose items.
    """
    return tuple(int(item["message_id"]) for item in await _later_items(work, message))


async def album_caption(work: Work, message: Message) -> str | None:
    """The words written under a later item of the message's album: a client may put the
    caption of a group of files on the last one, and the album is answered once, for its
    first item."""
    for item in await _later_items(work, message):
        caption = item.get("caption")
        if isinstance(caption, str) and caption.strip():
            return caption
    return None


def _origin_name(origin: MessageOrigin | None) -> str:
    if isinstance(origin, MessageOriginUser):
        return origin.sender_user.full_name
    if isinstance(origin, MessageOriginHiddenUser):
        return origin.sender_user_name
    if isinstance(origin, MessageOriginChat):
        return origin.sender_chat.effective_name or ""
    if isinstance(origin, MessageOriginChannel):
        return origin.chat.effective_name or ""
    return ""


def replied_elsewhere(message: Message) -> str | None:
    """What a message written as a reply to a message in another chat replies to (HTML, to
    post over its copy: a copy keeps the words, not that reply, nor the part quoted of it);
    None for any other message."""
    elsewhere = message.external_reply
    if elsewhere is None:
        return None
    chat = elsewhere.chat
    name = _origin_name(elsewhere.origin) or (chat.effective_name if chat else None)
    link = None
    if chat is not None and chat.username and elsewhere.message_id is not None:
        link = f"https://t.me/{chat.username}/{elsewhere.message_id}"
    quoted = clean_block(message.quote.text) if message.quote is not None else ""
    return desk_texts.replied_elsewhere(
        shorten(clean_inline(name), SOURCE_SHOWN_MAX), bound(quoted, QUOTE_SHOWN_MAX), link
    )


async def relay(work: Work, ticket_id: int, message: Message) -> None:
    """Copy the customer's message into the ticket's topic after the commit, an album whole
    (its first item takes the rest along); the customer is told if Telegram refuses it."""
    work.then(
        Relay(
            ticket_id=ticket_id,
            from_chat_id=message.chat_id,
            message_id=message.message_id,
            media_group_id=message.media_group_id,
            album=await album_siblings(work, message),
            tell_customer=True,
            forwarded=message.forward_origin is not None,
            reply_to=message.reply_to_message.message_id if message.reply_to_message else None,
            label=replied_elsewhere(message),
        )
    )


async def logged_album(work: Work, first: LoggedMessage) -> tuple[int, ...]:
    """Return the ids of the rest of the album whose first item is the logged `first`: items
    the bot took in already (to copy them along with it later, on the customer's word)."""
    if first.media_group_id is None or first.telegram_message_id is None:
        return ()
    rows = await work.session.scalars(
        select(LoggedMessage.telegram_message_id).where(
            LoggedMessage.customer_id == first.customer_id,
            LoggedMessage.created_at >= first.created_at,
            LoggedMessage.created_at <= first.created_at + ALBUM_ARRIVES_WITHIN,
            LoggedMessage.media_group_id == first.media_group_id,
            LoggedMessage.direction == "in",
            LoggedMessage.telegram_message_id > first.telegram_message_id,
        )
    )
    return tuple(sorted({i for i in rows if i is not None}))


async def relay_asked(work: Work, ticket_id: int, logged_id: int | None, words: str) -> None:
    """Copy into a new ticket's topic the message it is about, asked before the request for a
    person (logged as `logged_id`), when the card cannot show it: a screenshot the question was
    the caption of (an album whole), a forward (whose words they are), a long text, a link
    behind words. Read from the stored update: the log keeps words, not what they came with."""
    said = await work.session.get(LoggedMessage, logged_id) if logged_id is not None else None
    if said is None or said.telegram_message_id is None or said.update_id is None:
        return
    if await find_link_by_customer_message(
        work.session,
        customer_chat_id=said.chat_id,
        customer_message_id=said.telegram_message_id,
        direction="to_agents",
    ):
        return  # in the topic already (a second press opening the same ticket)
    stored = await work.session.get(InboxUpdate, said.update_id)
    payload = stored.payload if stored is not None else None
    data = (payload or {}).get("message") or (payload or {}).get("edited_message")
    if not isinstance(data, dict):
        return  # purged from the inbox long since: the card's words are all there is
    message = Message.de_json(data, None)
    if message is None or not copied_to_topic(message, words):
        return
    work.then(
        Relay(
            ticket_id=ticket_id,
            from_chat_id=said.chat_id,
            message_id=said.telegram_message_id,
            media_group_id=said.media_group_id,
            album=await logged_album(work, said),
            tell_customer=True,
            forwarded=message.forward_origin is not None,
            label=replied_elsewhere(message),
        )
    )


async def answered_with_album(work: Work, message: Message) -> bool:
    """Whether an earlier item of the message's album came in already: with no ticket open,
    the bot answers an album once, for its first item, and the rest stays silent."""
    group = message.media_group_id
    if group is None or work.customer is None:
        return False
    earlier = await work.session.scalar(
        select(LoggedMessage.id)
        .where(
            LoggedMessage.customer_id == work.customer.id,
            LoggedMessage.created_at >= utcnow() - ALBUM_ARRIVES_WITHIN,  # the index's range
            LoggedMessage.media_group_id == group,
            LoggedMessage.telegram_message_id < message.message_id,
        )
        .limit(1)
    )
    return earlier is not None
