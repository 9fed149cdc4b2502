"""Per-chat order with concurrency across chats; updates keyed by their chat."""

import asyncio
from dataclasses import replace

import pytest

from bot import intake
from bot.effects import PostCard
from bot.intake import Item, KeyedDispatcher, chat_id_of, chat_key
from bot.pipeline import Pipeline, Plan
from bot.slots import slot_lent
from bot.ticket_locks import TicketLocks


def item(update_id: int) -> Item:
    return Item(update_id, {}, replay=False)


async def test_one_chat_is_processed_in_order_while_chats_overlap() -> None:
    seen: list[tuple[str, int]] = []
    a_started = asyncio.Event()
    release_a = asyncio.Event()

    async def handle(it: Item) -> None:
        chat = "a" if it.update_id < 100 else "b"
        if it.update_id == 1:
            a_started.set()
            await release_a.wait()  # chat a's first update is slow
        seen.append((chat, it.update_id))

    dispatcher = KeyedDispatcher(handle, max_concurrency=4)
    for update_id in (1, 2, 3):
        dispatcher.submit("a", item(update_id))
    await a_started.wait()
    dispatcher.submit("b", item(100))
    await asyncio.sleep(0)
    for _ in range(20):  # chat b finishes while chat a is still blocked
        if ("b", 100) in seen:
            break
        await asyncio.sleep(0.01)
    assert seen == [("b", 100)]
    release_a.set()
    assert await dispatcher.drain(5)
    assert [u for chat, u in seen if chat == "a"] == [1, 2, 3]


async def test_a_failing_update_does_not_stop_its_chat() -> None:
    done: list[int] = []

    async def handle(it: Item) -> None:
        if it.update_id == 1:
            raise RuntimeError("boom")
        done.append(it.update_id)

    dispatcher = KeyedDispatcher(handle, max_concurrency=1)
    dispatcher.submit("a", item(1))
    dispatcher.submit("a", item(2))
    assert await dispatcher.drain(5)
    assert done == [2]


def album_item(update_id: int, *, replay: bool = False) -> Item:
    message = {"chat": {"id": 7}, "message_id": update_id, "media_group_id": "album-1"}
    received_at = None if replay else asyncio.get_running_loop().time()
    return Item(update_id, {"message": message}, replay=replay, received_at=received_at)


async def test_an_album_item_waits_for_its_rest_holding_up_only_its_chat() -> None:
    seen: list[int] = []

    async def handle(it: Item) -> None:
        seen.append(it.update_id)

    dispatcher = KeyedDispatcher(handle, max_concurrency=4, album_grace=60)
    dispatcher.submit("a", album_item(1))
    now = asyncio.get_running_loop().time()
    dispatcher.submit("a", Item(2, {}, replay=False, received_at=now))  # behind the album
    dispatcher.submit("b", Item(100, {}, replay=False, received_at=now))
    for _ in range(50):
        if seen:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # room for chat a to run, were it not waiting
    assert seen == [100]
    assert not await dispatcher.drain(0)  # still waiting: stays pending for the next start


async def test_an_album_item_stored_by_a_clock_ahead_waits_no_longer_than_the_grace() -> None:
    # Another instance, its clock 90 s ahead, stored it: it seems to arrive in the future.
    seen: list[int] = []

    async def handle(it: Item) -> None:
        seen.append(it.update_id)

    dispatcher = KeyedDispatcher(handle, max_concurrency=4, album_grace=0.2)
    ahead = album_item(1)
    dispatcher.submit("a", replace(ahead, received_at=(ahead.received_at or 0) + 90))
    assert await dispatcher.drain(5)
    assert seen == [1]


async def test_replayed_album_items_and_other_updates_do_not_wait() -> None:
    seen: list[int] = []

    async def handle(it: Item) -> None:
        seen.append(it.update_id)

    dispatcher = KeyedDispatcher(handle, max_concurrency=4, album_grace=60)
    dispatcher.submit("a", album_item(1, replay=True))
    dispatcher.submit("b", Item(2, {}, replay=False, received_at=asyncio.get_running_loop().time()))
    assert await dispatcher.drain(5)  # a 60 s grace would not finish
    assert sorted(seen) == [1, 2]


def test_updates_are_keyed_by_chat_and_topic() -> None:
    private = {"update_id": 1, "message": {"chat": {"id": 7}}}
    press = {"update_id": 2, "callback_query": {"from": {"id": 7}, "message": {"chat": {"id": 7}}}}
    topic = {
        "update_id": 3,
        "message": {"chat": {"id": -100}, "message_thread_id": 4, "is_topic_message": True},
    }
    member = {"update_id": 4, "my_chat_member": {"chat": {"id": 7}}}
    assert chat_key(private) == chat_key(press) == chat_key(member) == (7, None)
    assert chat_key(topic) == (-100, 4)
    assert chat_key({"update_id": 5}) == ("other", None)
    # The inbox row's chat: the chat's id, none for an update that has no chat.
    assert chat_id_of(topic) == -100 and chat_id_of(press) == 7
    assert chat_id_of({"update_id": 5, "poll": {"id": "1"}}) is None


async def test_fetching_pauses_while_the_backlog_is_full_and_resumes_once_half_is_done(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(intake, "MAX_OUTSTANDING", 4)
    releases = {update_id: asyncio.Event() for update_id in range(1, 5)}
    done = {update_id: asyncio.Event() for update_id in range(1, 5)}

    async def handle(it: Item) -> None:
        await releases[it.update_id].wait()
        done[it.update_id].set()

    async def room_now() -> bool:
        try:
            await asyncio.wait_for(dispatcher.wait_for_room(), 0.05)
            return True
        except TimeoutError:
            return False

    dispatcher = KeyedDispatcher(handle, max_concurrency=1)
    for update_id in range(1, 5):
        assert await room_now()
        dispatcher.submit("a", item(update_id))
    assert not await room_now()  # four waiting: the intake stops fetching
    for update_id, room in ((1, False), (2, False), (3, True)):
        releases[update_id].set()
        await done[update_id].wait()
        assert await room_now() is room  # fetching again once fewer than half wait
    releases[4].set()
    assert await dispatcher.drain(5)


async def test_an_update_still_running_when_the_drain_runs_out_is_cancelled() -> None:
    cancelled: list[int] = []

    async def handle(it: Item) -> None:
        try:
            await asyncio.Event().wait()  # stuck (a Telegram call that never returns)
        except asyncio.CancelledError:
            cancelled.append(it.update_id)
            raise

    dispatcher = KeyedDispatcher(handle, max_concurrency=2)
    dispatcher.submit("a", item(1))
    dispatcher.submit("a", item(2))  # queued behind it: never started
    await asyncio.sleep(0.01)

    assert not await dispatcher.drain(0.05)
    assert cancelled == [1]  # stopped, so the stop goes on; both stay pending in the inbox
    assert dispatcher.outstanding == 0


async def test_a_stop_while_settling_still_lets_the_update_in_hand_finish() -> None:
    release = asyncio.Event()
    done: list[int] = []

    async def handle(it: Item) -> None:
        await release.wait()
        done.append(it.update_id)

    dispatcher = KeyedDispatcher(handle, max_concurrency=1)
    dispatcher.submit("a", item(1))
    stop = asyncio.Event()
    settling = asyncio.create_task(dispatcher.settle(stop, 5))
    await asyncio.sleep(0.01)
    stop.set()  # stopping: what is in hand gets the drain time to finish
    await asyncio.sleep(0.01)
    release.set()

    assert await settling
    assert done == [1]


async def test_one_chat_flooding_spills_to_the_inbox_and_stops_no_other_chat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A customer with a ticket sending thousands filled the back-pressure: the intake stopped
    # fetching, and every other customer waited for that one chat's messages to be copied.
    monkeypatch.setattr(intake, "MAX_OUTSTANDING", 4)
    monkeypatch.setattr(intake, "HELD_PER_CHAT", 2)
    release_a = asyncio.Event()
    handled: list[tuple[int, bool]] = []
    b_done = asyncio.Event()

    async def handle(it: Item) -> None:
        if it.update_id == 1:
            await release_a.wait()
        handled.append((it.update_id, it.spilled))
        if it.update_id == 100:
            b_done.set()

    dispatcher = KeyedDispatcher(handle, max_concurrency=4)
    for update_id in range(1, 11):
        dispatcher.submit("a", item(update_id))
    await asyncio.wait_for(dispatcher.wait_for_room(), 1)  # still fetching
    assert dispatcher.held == 2 and dispatcher.outstanding == 10
    dispatcher.submit("b", item(100))
    await asyncio.wait_for(b_done.wait(), 1)  # answered while chat a is stuck
    release_a.set()
    assert await dispatcher.drain(5)
    in_a = [entry for entry in handled if entry[0] != 100]
    assert in_a == [(n, n > 2) for n in range(1, 11)]  # in order; beyond two, read back
    assert dispatcher.held == 0


async def test_an_update_waiting_on_telegram_lends_its_place_to_another_chat() -> None:
    # Hand-offs waiting for the agents' group's send budget held every place: a customer
    # the KB could answer waited minutes behind them.
    release_a = asyncio.Event()
    handled: list[int] = []

    async def handle(it: Item) -> None:
        if it.update_id == 1:
            async with slot_lent():  # as the pipeline does around a Telegram call
                await release_a.wait()
        handled.append(it.update_id)

    dispatcher = KeyedDispatcher(handle, max_concurrency=1)
    dispatcher.submit("a", item(1))
    dispatcher.submit("a", item(2))  # its own chat still waits for it
    await asyncio.sleep(0.01)
    dispatcher.submit("b", item(100))
    for _ in range(100):
        if handled:
            break
        await asyncio.sleep(0.01)
    assert handled == [100]
    release_a.set()
    assert await dispatcher.drain(5)
    assert handled == [100, 1, 2]


class _SlowTelegram:
    """An executor whose durable call takes a moment (Telegram answering), with real locks."""

    def __init__(self) -> None:
        self.tickets = TicketLocks()

    async def durable(self, effect: object, check_done: bool = False) -> None:
        await asyncio.sleep(0.05)

    async def after_record(self, ticket_id: int) -> None:
        return None


@pytest.mark.parametrize("places", [1, 2, 3])
async def test_updates_of_several_chats_on_one_ticket_never_wait_on_each_other_for_good(
    places: int,
) -> None:
    # An update lent its place inside the ticket's lock and waited for one back while holding
    # it; the updates waiting for the lock held every place: all chats stopped for good.
    pipeline = object.__new__(Pipeline)
    pipeline.executor = _SlowTelegram()  # type: ignore[assignment]

    async def progress(update_id: int, plan: Plan, done: int, record: object) -> None:
        plan.committed = done

    pipeline._progress = progress  # type: ignore[method-assign]
    done: list[int] = []

    async def handle(it: Item) -> None:
        await pipeline._act(it.update_id, Plan([PostCard(7)]))
        done.append(it.update_id)

    dispatcher = KeyedDispatcher(handle, max_concurrency=places, album_grace=0)
    for n in range(places + 2):  # the customer's chat, the topic, a card press: one ticket
        dispatcher.submit(("chat", n), item(n))
    assert await dispatcher.drain(5)
    assert sorted(done) == list(range(places + 2))
