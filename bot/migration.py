"""A group of the desk changed its id (a group became a supergroup): follow it.

Telegram tells us twice: a `migrate_to_chat_id` service message in the old chat,
and a 400 with `migrate_to_chat_id` when we send to the old id. Either way the
move is stored (key-value "desk:moved:<old id>" = new id) and every ticket and
link moves to the new id, so new tickets and relays use it without a restart.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories import kv_get, kv_set, move_agent_chat

# A group can move more than once only in theory; never loop forever on bad data.
MAX_HOPS = 5


def moved_key(chat_id: int) -> str:
    """Return the key-value key recording where a chat moved to."""
    return f"desk:moved:{chat_id}"


async def current_agent_chat(session: AsyncSession, configured: int) -> int:
    """Return the agents' group id: the configured one, or where it migrated to."""
    chat_id = configured
    for _ in range(MAX_HOPS):
        moved = await kv_get(session, moved_key(chat_id))
        if not isinstance(moved, int):
            break
        chat_id = moved
    return chat_id


async def desk_chats(
    session: AsyncSession, agent_chat_id: int, l2_chat_id: int | None
) -> list[int]:
    """Return the agents' group id and the L2 group's, if set, where each is now."""
    chats = [await current_agent_chat(session, agent_chat_id)]
    if l2_chat_id is not None:
        chats.append(await current_agent_chat(session, l2_chat_id))
    return chats


async def record_migration(session: AsyncSession, *, old_chat_id: int, new_chat_id: int) -> int:
    """Remember the move and point tickets and links at the new id; return tickets moved."""
    await kv_set(session, moved_key(old_chat_id), new_chat_id)
    return await move_agent_chat(session, old_chat_id=old_chat_id, new_chat_id=new_chat_id)
