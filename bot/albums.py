"""Albums: one update per item, but copied in one call so they stay one album."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from telegram import Message

from bot.context import Work
from bot.intake import album_of
from storage.models import InboxUpdate


async def album_siblings(work: Work, message: Message) -> tuple[int, ...]:
    """Return the ids of the rest of the album, already stored and waiting in the inbox.

    An album arrives as one update per item, usually in one batch: the first item
    takes the others along, so the other side gets one album, not loose items.
    """
    group = message.media_group_id
    if group is None:
        return ()
    rows = await work.session.scalars(
        select(InboxUpdate.payload).where(
            InboxUpdate.chat_id == message.chat_id,
            InboxUpdate.status == "pending",
            InboxUpdate.update_id > work.update_id,
        )
    )
    ids: list[int] = []
    for payload in rows:
        item: dict[str, Any] = payload.get("message") or {}
        same_chat = (item.get("chat") or {}).get("id") == message.chat_id
        if same_chat and album_of(payload) == group:
            ids.append(int(item["message_id"]))
    return tuple(sorted(i for i in ids if i > message.message_id))
