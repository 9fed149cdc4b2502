"""Message links route replies and edits; key-values survive restarts."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import repositories as repo
from tests.storage.helpers import AGENT_CHAT, add_customer, add_ticket


async def test_link_is_found_from_either_side_and_stored_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 1)
    ticket = await add_ticket(sessions, 1)
    link = {
        "ticket_id": ticket.id,
        "customer_chat_id": 1,
        "customer_message_id": 50,
        "agent_chat_id": AGENT_CHAT,
        "agent_message_id": 900,
        "direction": "to_agents",
    }
    async with sessions.begin() as session:
        assert await repo.link_messages(session, **link) is True  # type: ignore[arg-type]
        assert await repo.link_messages(session, **link) is False  # type: ignore[arg-type]

    async with sessions() as session:
        by_agent = await repo.find_link_by_agent_message(
            session, agent_chat_id=AGENT_CHAT, agent_message_id=900
        )
        by_customer = await repo.find_link_by_customer_message(
            session, customer_chat_id=1, customer_message_id=50, direction="to_agents"
        )
        other_way = await repo.find_link_by_customer_message(
            session, customer_chat_id=1, customer_message_id=50, direction="to_customer"
        )

    assert by_agent is not None and by_customer is not None
    assert by_agent.id == by_customer.id and by_agent.ticket_id == ticket.id
    assert other_way is None


async def test_same_message_number_in_two_customers_chats_finds_each_ones_copy(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # Telegram numbers messages per chat: two customers' 50th messages are different messages,
    # and an edit of one must land on its own copy, in its own ticket's topic.
    copies = {}
    for customer, agent_message in ((1, 900), (2, 901)):
        await add_customer(sessions, customer)
        ticket = await add_ticket(sessions, customer)
        copies[customer] = (ticket.id, agent_message)
        async with sessions.begin() as session:
            await repo.link_messages(
                session,
                ticket_id=ticket.id,
                customer_chat_id=customer,
                customer_message_id=50,
                agent_chat_id=AGENT_CHAT,
                agent_message_id=agent_message,
                direction="to_agents",
            )

    async with sessions() as session:
        for customer, (ticket_id, agent_message) in copies.items():
            link = await repo.find_link_by_customer_message(
                session, customer_chat_id=customer, customer_message_id=50
            )
            assert link is not None
            assert (link.ticket_id, link.agent_message_id) == (ticket_id, agent_message)


async def test_same_message_number_in_two_agent_groups_finds_each_ones_link(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # The first-line group and the L2 group number their messages apart: an agent replying to
    # message 900 in one group must reach the customer of that group's message 900.
    l2_chat = AGENT_CHAT - 1
    owners = {AGENT_CHAT: 1, l2_chat: 2}
    for agent_chat, customer in owners.items():
        await add_customer(sessions, customer)
        ticket = await add_ticket(sessions, customer)
        async with sessions.begin() as session:
            await repo.link_messages(
                session,
                ticket_id=ticket.id,
                customer_chat_id=customer,
                customer_message_id=50,
                agent_chat_id=agent_chat,
                agent_message_id=900,
                direction="to_agents",
            )

    async with sessions() as session:
        for agent_chat, customer in owners.items():
            link = await repo.find_link_by_agent_message(
                session, agent_chat_id=agent_chat, agent_message_id=900
            )
            assert link is not None and link.customer_chat_id == customer


async def test_a_message_copied_again_is_linked_to_its_newest_copy(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 1)
    ticket = await add_ticket(sessions, 1)
    l2_chat = AGENT_CHAT - 1
    first = {
        "ticket_id": ticket.id,
        "customer_chat_id": 1,
        "customer_message_id": 50,
        "agent_chat_id": AGENT_CHAT,
        "agent_message_id": 900,
        "direction": "to_agents",
    }
    again = {**first, "agent_chat_id": l2_chat, "agent_message_id": 30}  # the history in L2
    async with sessions.begin() as session:
        assert await repo.link_messages(session, **first) is True  # type: ignore[arg-type]
        assert await repo.link_messages(session, **again) is True  # type: ignore[arg-type]
        assert await repo.link_messages(session, **again) is False  # type: ignore[arg-type]

    async with sessions() as session:
        by_customer = await repo.find_link_by_customer_message(
            session, customer_chat_id=1, customer_message_id=50, direction="to_agents"
        )
        in_l2 = await repo.find_link_by_agent_message(
            session, agent_chat_id=l2_chat, agent_message_id=30
        )
        old_copy = await repo.find_link_by_agent_message(
            session, agent_chat_id=AGENT_CHAT, agent_message_id=900
        )
    assert by_customer is not None and in_l2 is not None
    assert (by_customer.agent_chat_id, by_customer.agent_message_id) == (l2_chat, 30)
    assert in_l2.customer_message_id == 50
    assert old_copy is None


async def test_album_links_come_back_in_relay_order(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 1)
    ticket = await add_ticket(sessions, 1)
    async with sessions.begin() as session:
        for offset in (0, 1, 2):
            await repo.link_messages(
                session,
                ticket_id=ticket.id,
                customer_chat_id=1,
                customer_message_id=60 + offset,
                agent_chat_id=AGENT_CHAT,
                agent_message_id=700 + offset,
                direction="to_agents",
                media_group_id="album-1",
            )
        for message_id, album_id in ((63, None), (64, "album-2")):  # not of this album
            await repo.link_messages(
                session,
                ticket_id=ticket.id,
                customer_chat_id=1,
                customer_message_id=message_id,
                agent_chat_id=AGENT_CHAT,
                agent_message_id=message_id + 640,
                direction="to_agents",
                media_group_id=album_id,
            )
    async with sessions() as session:
        album = await repo.links_for_media_group(
            session, ticket_id=ticket.id, media_group_id="album-1"
        )

    assert [link.agent_message_id for link in album] == [700, 701, 702]


async def test_agent_chat_migration_moves_tickets_and_links(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 1)
    ticket = await add_ticket(sessions, 1)
    async with sessions.begin() as session:
        await repo.set_ticket_topic(session, ticket.id, thread_id=77, card_message_id=78)
        await repo.link_messages(
            session,
            ticket_id=ticket.id,
            customer_chat_id=1,
            customer_message_id=5,
            agent_chat_id=AGENT_CHAT,
            agent_message_id=6,
            direction="to_agents",
        )
        moved = await repo.move_agent_chat(session, old_chat_id=AGENT_CHAT, new_chat_id=-100999)
        await repo.kv_set(session, "agent_chat_id", -100999)

    async with sessions() as session:
        found = await repo.ticket_by_thread(session, agent_chat_id=-100999, thread_id=77)
        link = await repo.find_link_by_agent_message(
            session, agent_chat_id=-100999, agent_message_id=6
        )
        stored_chat = await repo.kv_get(session, "agent_chat_id")

    assert moved == 1
    assert found is not None and found.id == ticket.id
    assert link is not None
    assert stored_chat == -100999


async def test_key_value_is_replaced_and_missing_key_gives_default(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await repo.kv_set(session, "settings", {"greeting": "سلام", "n": 1})
        await repo.kv_set(session, "settings", {"greeting": "درود", "n": 2})

    async with sessions() as session:
        assert await repo.kv_get(session, "settings") == {"greeting": "درود", "n": 2}
        assert await repo.kv_get(session, "missing", "fallback") == "fallback"
