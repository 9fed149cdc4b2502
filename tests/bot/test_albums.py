"""An album split over two getUpdates answers still reaches the other side as one album.

Long polling answers as soon as one update exists, so the first item of an album may come
alone and the rest with the next poll: the fake holds the rest back until then.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.config import Settings
from tests.bot.desk_support import hand_off, settled
from tests.bot.support import ANSWERED, running_bot
from tests.fake_telegram import FakeTelegram, Injected

# The rest of the album comes this long after the first item: the next poll's round trip.
NEXT_POLL_GAP = 0.3


def copies_from(
    fake: FakeTelegram, from_chat_id: int, to_chat_id: int
) -> list[tuple[str, list[int]]]:
    """Return each successful copyMessage(s) call between two chats: its method and source ids."""
    found: list[tuple[str, list[int]]] = []
    for call in fake.api_calls():
        if call.method not in ("copyMessage", "copyMessages") or not call.ok:
            continue
        params = call.params
        if params.get("from_chat_id") != from_chat_id or params.get("chat_id") != to_chat_id:
            continue
        ids = params.get("message_ids") or [params["message_id"]]
        found.append((call.method, [int(i) for i in ids]))
    return found


async def send_split_album(
    fake: FakeTelegram, send_item: Callable[[str], Injected], *, with_first: Callable[[], object]
) -> list[Injected]:
    """Send a 3-item album: the first item in one getUpdates answer, the other two in the next.

    `with_first` injects whatever else comes in the first answer.
    """
    group = fake.new_media_group_id()
    first = send_item(group)
    with_first()
    fake.hold_updates()
    rest = [send_item(group) for _ in range(2)]
    await fake.wait_for_async(lambda: fake.deliveries(first) > 0, what="the first item alone")
    assert all(fake.deliveries(item) == 0 for item in rest)
    await asyncio.sleep(NEXT_POLL_GAP)  # not an assertion: the gap before the next poll's answer
    fake.release_updates()
    return [first, *rest]


async def test_a_customer_album_split_over_two_polls_reaches_the_topic_as_one_album(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings.model_copy(update={"album_grace_seconds": 1.5}), fake) as bot:
        opened = await hand_off(bot, fake)
        user = opened.user
        album = await send_split_album(
            fake,
            lambda group: fake.user_sends_photo(user, media_group_id=group),
            with_first=lambda: None,
        )
        copies = await fake.wait_for_messages_async(
            fake.agent_chat_id, 1 + 3, thread_id=opened.thread_id, timeout=10
        )
        await settled(bot, fake)
    assert copies_from(fake, user.id, fake.agent_chat_id) == [
        ("copyMessages", [item.message_id for item in album])
    ]  # one call, all three in order, nothing copied twice
    assert len(fake.sent_to(fake.agent_chat_id, opened.thread_id)) == 1 + 3
    assert len({m.media_group_id for m in copies[1:]}) == 1 and copies[1].media_group_id


async def test_an_agent_album_split_over_two_polls_reaches_the_customer_as_one_album(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings.model_copy(update={"album_grace_seconds": 1.5}), fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        album = await send_split_album(
            fake,
            lambda group: fake.agent_sends_in_topic(
                agent, opened.thread_id, media="photo", media_group_id=group
            ),
            with_first=lambda: None,
        )
        received = await fake.wait_for_messages_async(opened.user.id, 1 + 3, timeout=10)
        await settled(bot, fake)
    assert copies_from(fake, fake.agent_chat_id, opened.user.id) == [
        ("copyMessages", [item.message_id for item in album])
    ]
    assert len(fake.sent_to(opened.user.id)) == 1 + 3
    assert len({m.media_group_id for m in received[1:]}) == 1 and received[1].media_group_id


async def test_an_album_waiting_for_its_rest_does_not_hold_up_another_customer(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    # A long grace: the other customer is answered well within it, unless it waits too.
    async with running_bot(settings.model_copy(update={"album_grace_seconds": 3.0}), fake) as bot:
        opened = await hand_off(bot, fake)
        user = opened.user
        other = fake.new_user("رضا")
        album = await send_split_album(
            fake,
            lambda group: fake.user_sends_photo(user, media_group_id=group),
            with_first=lambda: fake.user_sends_text(other, ANSWERED),  # same getUpdates answer
        )
        await fake.wait_for_messages_async(other.id, 1, timeout=10)
        copied_before_the_answer = copies_from(fake, user.id, fake.agent_chat_id)
        await fake.wait_for_messages_async(
            fake.agent_chat_id, 1 + 3, thread_id=opened.thread_id, timeout=10
        )
        await settled(bot, fake)
    assert copied_before_the_answer == []  # the album was still waiting for its rest
    assert copies_from(fake, user.id, fake.agent_chat_id) == [
        ("copyMessages", [item.message_id for item in album])
    ]


async def test_an_album_and_a_message_outside_it_take_nothing_else_along(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        user = opened.user
        fake.hold_updates()  # all in one getUpdates answer: the later ones wait in the inbox
        order = fake.user_sends_text(user, "شمارهٔ سفارشم ۴۵۱۲ است")
        group = fake.new_media_group_id()
        photos = [fake.user_sends_photo(user, media_group_id=group) for _ in range(2)]
        start = fake.user_sends_text(user, "/start")  # keeps its meaning: not for the agents
        fake.release_updates()
        await fake.wait_for_async(lambda: fake.deliveries(start) > 0, what="all delivered")
        await settled(bot, fake)
    assert copies_from(fake, user.id, fake.agent_chat_id) == [
        ("copyMessage", [order.message_id]),
        ("copyMessages", [photo.message_id for photo in photos]),
    ]
