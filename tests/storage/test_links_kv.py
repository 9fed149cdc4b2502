"""Message links route replies and edits; key-values survive restarts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import repositories as repo
from storage.models import KeyValue
from storage.timestamps import utcnow
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


async def test_message_numbers_are_per_chat_on_both_sides(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # Telegram numbers messages per chat: two customers' 50th messages are different messages,
    # and so are message 900 of the first-line group and of the L2 group. An edit must land on
    # its own copy, and an agent's reply must reach the customer of its own group's copy.
    l2_chat = AGENT_CHAT - 1
    copies = {1: AGENT_CHAT, 2: l2_chat}  # customer -> the group holding its copy (message 900)
    for customer, agent_chat in copies.items():
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
        for customer, agent_chat in copies.items():
            by_customer = await repo.find_link_by_customer_message(
                session, customer_chat_id=customer, customer_message_id=50
            )
            by_agent = await repo.find_link_by_agent_message(
                session, agent_chat_id=agent_chat, agent_message_id=900
            )
            assert by_customer is not None and by_customer.agent_chat_id == agent_chat
            assert by_agent is not None and by_agent.customer_chat_id == customer


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


async def test_recent_history_keeps_each_album_together_oldest_first(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 1)
    ticket = await add_ticket(sessions, 1)
    relayed = [  # (message id, album): an album, a loose message, a second album, another
        *((60 + offset, "album-1") for offset in range(3)),
        (63, None),
        (64, None),
        (65, "album-2"),
        (66, "album-2"),
        (67, "album-1"),  # the same id later, not next to its album: on its own
    ]
    async with sessions.begin() as session:
        for message_id, album_id in relayed:
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
        everything = await repo.recent_history(session, ticket.id, 100)
        last_six = await repo.recent_history(session, ticket.id, 6)

    def ids(history: repo.History) -> list[list[int]]:
        return [[link.customer_message_id for link in group.links] for group in history.groups]

    assert ids(everything) == [[60, 61, 62], [63], [64], [65, 66], [67]]
    assert ids(last_six) == [[62], [63], [64], [65, 66], [67]]
    assert (everything.left_out, last_six.left_out) == (0, 2)


async def test_recent_history_says_who_wrote_each_message_and_copies_it_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # A first-line agent's reply (the bot's copy in the customer's chat) copied again into
    # the L2 group's topic is linked "to_agents" like the customer's messages: it was read as
    # the customer's, and a second copy of it came last, out of its place.
    await add_customer(sessions, 1)
    ticket = await add_ticket(sessions, 1)
    l2_chat = AGENT_CHAT - 1

    async def link(
        message_id: int, chat: int, copy: int, direction: str, agent: int | None = None
    ) -> None:
        async with sessions.begin() as session:
            await repo.link_messages(
                session,
                ticket_id=ticket.id,
                customer_chat_id=1,
                customer_message_id=message_id,
                agent_chat_id=chat,
                agent_message_id=copy,
                direction=direction,  # type: ignore[arg-type]
                agent_id=agent,
                agent_name="سارا" if agent else None,
            )

    await link(70, AGENT_CHAT, 900, "to_agents")  # the customer asks
    await link(71, AGENT_CHAT, 901, "to_customer", agent=5)  # the agent answers
    await link(72, AGENT_CHAT, 902, "to_agents")  # the customer again
    for message_id, copy in ((70, 10), (71, 11), (72, 12)):  # the history in the L2 topic
        await link(message_id, l2_chat, copy, "to_agents")

    async with sessions() as session:
        history = await repo.recent_history(session, ticket.id, 100)
        last_two = await repo.recent_history(session, ticket.id, 2)

    def sides(history: repo.History) -> list[tuple[int, bool]]:
        return [(g.links[0].customer_message_id, g.from_agents) for g in history.groups]

    assert sides(history) == [(70, False), (71, True), (72, False)]
    assert sides(last_two) == [(71, True), (72, False)] and last_two.left_out == 1
    # whose the agent's is, however often it was copied again since
    assert [g.agent for g in history.groups] == [(None, None), (5, "سارا"), (None, None)]


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


async def test_a_key_is_added_once_and_its_first_value_kept(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        assert await repo.kv_add(session, "topics_off:-100", "first")
        assert not await repo.kv_add(session, "topics_off:-100", "second")
    async with sessions() as session:
        assert await repo.kv_get(session, "topics_off:-100") == "first"


async def test_old_marks_are_purged_and_the_rest_kept(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # One rating_message row a closed ticket stayed for ever.
    now = utcnow()
    async with sessions.begin() as session:
        for key in ("rating_message:1", "choices_closed:7", "rating_message:2", "moved:-100"):
            await repo.kv_set(session, key, 1)
        await session.execute(
            update(KeyValue)
            .where(KeyValue.key.in_(["rating_message:1", "choices_closed:7", "moved:-100"]))
            .values(updated_at=now - timedelta(days=40))
        )
    async with sessions.begin() as session:
        purged = await repo.kv_purge(
            session,
            prefixes=("rating_message:", "choices_closed:"),
            before=now - timedelta(days=30),
        )
    async with sessions() as session:
        left = set(await session.scalars(select(KeyValue.key)))
    assert purged == 2
    assert left == {"rating_message:2", "moved:-100"}  # recent, or not a short-lived mark
