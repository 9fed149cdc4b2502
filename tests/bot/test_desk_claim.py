"""Claiming a ticket: one winner, the card shows who has it, strangers and stale buttons refused."""

from __future__ import annotations

from bot import desk_texts, texts
from bot.config import Settings
from storage.models import TicketEvent
from tests.bot.desk_support import card_now, hand_off, settled, ticket, topic_texts
from tests.bot.support import running_bot
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.state import CallbackQuery, SentMessage, User


async def test_claim_button_takes_the_ticket_and_the_card_shows_who_has_it(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا", username="sara")
        press = fake.agent_presses_button(agent, opened.card, "برمی‌دارم")
        answer = await fake.wait_for_answer_async(press)
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    assert answer.get("text") == desk_texts.CLAIMED_TOAST
    assert (row.status, row.claimed_by, row.claimed_by_name) == ("claimed", agent.id, "سارا")
    card = card_now(fake, opened.card)
    assert card.edited and "در دست سارا" in (card.text or "")
    assert f"t:claim:{opened.ticket_id}" not in card.callback_datas  # nothing left to claim
    assert any("این تیکت را سارا برداشت" in t for t in topic_texts(fake, opened.thread_id))


async def test_two_agents_pressing_claim_at_once_make_exactly_one_winner(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        first, second = fake.new_agent("علی"), fake.new_agent("رضا")
        data = f"t:claim:{opened.ticket_id}"
        presses = [fake.agent_presses(first, opened.card, data)]
        presses.append(fake.agent_presses(second, opened.card, data))
        answers = [await fake.wait_for_answer_async(p) for p in presses]
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
        claims = await bot.rows(TicketEvent, TicketEvent.kind == "claimed")
    assert row.claimed_by == first.id
    assert len(claims) == 1
    assert answers[0].get("text") == desk_texts.CLAIMED_TOAST
    assert answers[1].get("text") == desk_texts.held_by("علی")  # the loser is told who has it


async def test_claim_command_in_the_topic_claims_it(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent, late = fake.new_agent("نگار"), fake.new_agent("کامران")
        fake.agent_sends_in_topic(agent, opened.thread_id, "/claim")
        await settled(bot, fake)
        fake.agent_sends_in_topic(late, opened.thread_id, "/claim")
        await settled(bot, fake)
        told_late = topic_texts(fake, opened.thread_id)[-1]
        fake.agent_sends_in_topic(agent, opened.thread_id, "/claim")  # once more, by mistake
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    assert row.claimed_by == agent.id
    texts = topic_texts(fake, opened.thread_id)
    assert any("این تیکت را نگار برداشت" in t for t in texts)
    assert told_late == "این تیکت را نگار برداشته است؛ برای تحویل گرفتنش \u200e/take بنویسید."
    assert texts[-1] == desk_texts.ALREADY_YOURS
    assert "در دست نگار" in (card_now(fake, opened.card).text or "")


async def test_the_first_reply_after_a_claim_shows_on_the_card(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("نگار")
        fake.agent_sends_in_topic(agent, opened.thread_id, "/claim")
        await settled(bot, fake)
        before = card_now(fake, opened.card).text or ""
        fake.agent_sends_in_topic(agent, opened.thread_id, "سلام، بررسی می‌کنم")
        await fake.wait_for_messages_async(opened.user.id, 2)
        await settled(bot, fake)
        after = card_now(fake, opened.card).text or ""
    assert "مهلت اولین پاسخ" in before
    assert "✅ اولین پاسخ:" in after and "(در مهلت)" in after  # answered in time


async def test_writing_in_an_unclaimed_topic_claims_it(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("مینا")
        fake.agent_sends_in_topic(agent, opened.thread_id, "سلام، بررسی می‌کنم")
        await fake.wait_for_messages_async(opened.user.id, 2)
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    assert (row.status, row.claimed_by) == ("claimed", agent.id)
    card = card_now(fake, opened.card)
    assert "در دست مینا" in (card.text or "") and "اولین پاسخ" in (card.text or "")
    assert len(card.history) == 1  # claim and first response: one edit (the group's budget)


async def test_a_stranger_cannot_press_the_card_buttons(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        stranger = fake.new_user("غریبه")
        answers = []
        for data in opened.card.callback_datas:
            press = fake.agent_presses(stranger, opened.card, data)
            answers.append(await fake.wait_for_answer_async(press))
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    assert all(a.get("text") == desk_texts.NOT_AN_AGENT for a in answers)
    assert (row.status, row.claimed_by, row.level) == ("open", None, 1)
    assert len(fake.sent_to(opened.user.id)) == 1  # the customer got nothing new
    assert not card_now(fake, opened.card).edited


async def test_forged_and_stale_buttons_are_answered_and_change_nothing(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        one = await hand_off(bot, fake, "اول")
        two = await hand_off(bot, fake, "دوم")
        agent = fake.new_agent()
        unknown = fake.agent_presses(agent, one.card, "t:claim:999", check=False)
        other_topic = fake.agent_presses(agent, one.card, f"t:close:{two.ticket_id}", check=False)
        bad_article = fake.agent_presses(agent, one.card, f"t:art9:{one.ticket_id}", check=False)
        answers = [await fake.wait_for_answer_async(p) for p in (unknown, other_topic, bad_article)]
        await settled(bot, fake)
        rows = [await ticket(bot, t.ticket_id) for t in (one, two)]
    assert [a.get("text") for a in answers] == [
        desk_texts.UNKNOWN_TICKET,
        desk_texts.WRONG_TOPIC,
        desk_texts.UNKNOWN_TICKET,
    ]
    assert [r.status for r in rows] == ["open", "open"]


async def test_a_card_button_pressed_in_a_private_chat_is_refused(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        (told,) = fake.sent_to(opened.user.id)
        press = fake.user_presses(opened.user, told, f"t:close:{opened.ticket_id}", check=False)
        answer = await fake.wait_for_answer_async(press)
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    assert answer.get("text") == desk_texts.NOT_AN_AGENT
    assert row.status == "open"


async def test_desk_commands_from_outside_the_agents_group_do_nothing(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        stranger = fake.new_user("غریبه")
        commands = ["/claim", "/close", "/escalate", "/note سلام", "/article password-reset"]
        for command in [*commands, "/tickets"]:
            fake.user_sends_text(stranger, command)
        await fake.wait_for_messages_async(stranger.id, len(commands) + 1)
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
        notes = await bot.rows(TicketEvent, TicketEvent.kind == "note")
    assert (row.status, row.claimed_by, row.level) == ("open", None, 1)
    assert notes == []
    replies = [m.text or "" for m in fake.sent_to(stranger.id)]
    assert all("این دستور را نمی‌شناسم" in t for t in replies)
    assert len(fake.sent_to(opened.user.id)) == 1  # the customer got nothing
    assert "#" not in "".join(replies)  # no ticket list leaks out


async def test_ticket_commands_in_the_general_topic_say_where_they_work(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا")
        fake.agent_sends_in_topic(agent, None, "/claim")
        fake.agent_sends_in_topic(agent, None, "صبح بخیر همکاران")  # chat among agents
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    general = [m.text for m in fake.sent_to(fake.agent_chat_id) if m.thread_id is None]
    assert general == [desk_texts.NOT_IN_TICKET_TOPIC]
    assert (row.status, row.claimed_by) == ("open", None)
    assert len(fake.sent_to(opened.user.id)) == 1  # the customer got nothing


async def test_only_the_agent_holding_a_ticket_speaks_to_its_customer(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        thread = opened.thread_id
        holder, colleague = fake.new_agent("سارا"), fake.new_agent("نیما")
        fake.agent_sends_in_topic(holder, thread, "سلام، بررسی می‌کنم")  # and so takes it
        await fake.wait_for_messages_async(opened.user.id, 2)
        await settled(bot, fake)
        fake.agent_sends_in_topic(colleague, thread, "من هم هستم")
        group = fake.new_media_group_id()
        for _ in range(2):  # an album: told once, not once a photo
            fake.agent_sends_in_topic(colleague, thread, media="photo", media_group_id=group)
        fake.agent_sends_in_topic(colleague, thread, "/article password-reset")
        await settled(bot, fake)
        told = [t for t in topic_texts(fake, thread) if t.startswith("⛔")]
        fake.agent_sends_in_topic(colleague, thread, "/take")
        fake.agent_sends_in_topic(colleague, thread, "از این به بعد من پیگیری می‌کنم")
        await fake.wait_for_messages_async(opened.user.id, 3)
        await settled(bot, fake)
        kept = await bot.rows(TicketEvent, TicketEvent.kind == "not_relayed")
    received = [m.content for m in fake.sent_to(opened.user.id)[1:]]
    assert received == ["سلام، بررسی می‌کنم", "از این به بعد من پیگیری می‌کنم"]
    assert len(told) == 3  # the text, the album, the article
    assert "سارا برداشته است؛ پیام شما برای مشتری فرستاده نشد" in told[0] and "/take" in told[0]
    assert "مقاله برای مشتری فرستاده نشد" in told[2]
    assert [e.actor_id for e in kept] == [colleague.id, colleague.id]  # the text, the album


async def test_a_claim_refused_for_a_moment_by_telegram_still_reaches_the_card_and_button(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # A 429 on the card's edit left it saying «open» with ✋ after a claim, for good; one on
    # the button's answer left the agent's button spinning.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا")
        fake.fail_next_retry_after("editMessageText", retry_after=1)
        fake.fail_next_retry_after("answerCallbackQuery", retry_after=1)
        press = fake.agent_presses_button(agent, opened.card, "برمی‌دارم")
        answer = await fake.wait_for_answer_async(press, timeout=10)
        await fake.wait_for_async(
            lambda: "در دست سارا" in (card_now(fake, opened.card).text or ""),
            timeout=10,
            what="the card redrawn",
        )
        await settled(bot, fake)
    refused = [c.method for c in fake.api_calls() if c.status == 429]
    assert sorted(refused) == ["answerCallbackQuery", "editMessageText"]
    assert answer.get("text") == desk_texts.CLAIMED_TOAST


async def test_a_pressed_button_is_answered_before_the_card_and_topic_change(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # The card edit and the notice wait for the group's budget (about 20 sends a minute): the
    # answer that stops the button's spinner came after them, too late for a busy desk.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        before = len(fake.api_calls())
        press = fake.agent_presses_button(fake.new_agent("سارا"), opened.card, "برمی‌دارم")
        await fake.wait_for_answer_async(press)
        await settled(bot, fake)
    asked = ("getUpdates", "getChatMember")  # reads before the decision, not its effects
    methods = [c.method for c in fake.api_calls()[before:] if c.method not in asked]
    assert methods[0] == "answerCallbackQuery"
    assert {"editMessageText", "sendMessage"} <= set(methods[1:])


def press_on_an_old_card(fake: FakeTelegram, agent: User, card: SentMessage, data: str) -> str:
    """Press a button under a card older than about two days: Telegram then sends only the
    message's chat and id, with date 0 (an InaccessibleMessage: no topic)."""
    with fake.state.lock:
        query_id = str(next(fake._query_ids))
        fake.state.callbacks[query_id] = CallbackQuery(query_id, agent, data, card)
        chat = fake.state.chats[card.chat_id]
        payload = {
            "id": query_id,
            "from": agent.to_json(),
            "message": {"chat": chat.to_json(), "message_id": card.message_id, "date": 0},
            "chat_instance": "1",
            "data": data,
        }
    fake.inject("callback_query", payload)
    return query_id


async def test_the_buttons_of_a_card_older_than_two_days_still_work(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # With no topic in the press, every button was refused as «another ticket's».
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا")
        query_id = press_on_an_old_card(fake, agent, opened.card, f"t:claim:{opened.ticket_id}")
        await fake.wait_for_async(
            lambda: fake.callback_query(query_id).answered, timeout=10, what="the answer"
        )
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    answer = fake.callback_query(query_id).answer
    assert answer is not None and answer.get("text") == desk_texts.CLAIMED_TOAST
    assert row.claimed_by == agent.id


async def test_a_colleague_cannot_close_or_park_a_ticket_someone_holds(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # One agent speaks for a ticket: a colleague's message was refused, but their /close
    # asked the customer for a rating and their /wait started the clock to close it. Once
    # refused, they were told who held it, not that nothing had happened.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        holder, colleague = fake.new_agent("سارا"), fake.new_agent("R&D")
        fake.agent_sends_in_topic(holder, opened.thread_id, "/claim")
        await settled(bot, fake)
        for command in ("/close", "/wait"):
            fake.agent_sends_in_topic(colleague, opened.thread_id, command)
        await settled(bot, fake)
        fake.agent_sends_in_topic(colleague, opened.thread_id, "/take")
        await settled(bot, fake)
        card = card_now(fake, opened.card)
        toasts = []
        for action in ("close", "wait"):  # the card's buttons, the other way round
            press = fake.agent_presses(holder, card, f"t:{action}:{opened.ticket_id}")
            toasts.append((await fake.wait_for_answer_async(press)).get("text"))
            await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    assert (row.status, row.claimed_by) == ("claimed", colleague.id)
    take = "برای تحویل گرفتنش \u200e/take بنویسید."
    assert topic_texts(fake, opened.thread_id)[-3:-1] == [
        f"⛔ تیکت بسته نشد: این تیکت را سارا برداشته است؛ {take}",
        f"⛔ تیکت در انتظار پاسخ مشتری گذاشته نشد: این تیکت را سارا برداشته است؛ {take}",
    ]
    assert toasts == [  # a pop-up shows the name as it is, not as HTML
        f"⛔ تیکت بسته نشد: این تیکت را R&D برداشته است؛ {take}",
        f"⛔ تیکت در انتظار پاسخ مشتری گذاشته نشد: این تیکت را R&D برداشته است؛ {take}",
    ]
    assert len(fake.sent_to(opened.user.id)) == 1  # nothing more to the customer


async def test_a_press_no_handler_takes_is_still_answered(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # An older keyboard's data, an id out of range, a customer's button in the agents' group:
    # the button spun, then nothing.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا")
        presses = [
            fake.agent_presses(agent, opened.card, data, check=False)
            for data in ("t:claim:1234567890", "zzz", f"r:{opened.ticket_id}:5")
        ]
        answers = [await fake.wait_for_answer_async(press) for press in presses]
        await settled(bot, fake)
    assert [a.get("text") for a in answers] == [texts.STALE_BUTTON] * 3
