"""A stateful fake Telegram Bot API server for end-to-end tests of the bot.

    with FakeTelegram() as fake:                      # or the `fake_telegram` fixture
        app = (ApplicationBuilder().token(fake.token).base_url(fake.base_url)
               .base_file_url(fake.base_file_url).build())   # or env=fake.env() for `python -m bot`
        customer = fake.new_user("سارا")
        sent = fake.user_sends_text(customer, "/start")       # -> Injected(update, stored)
        [reply] = fake.wait_for_messages(customer.id)          # -> list[SentMessage]
        fake.user_presses_button(customer, reply, "بله")      # callback_query on that message

In async tests use the *_async waiters so the bot sharing the event loop keeps running.
"""

from tests.fake_telegram.fake import FakeTelegram
from tests.fake_telegram.state import (
    DEFAULT_AGENT_CHAT_ID,
    DEFAULT_TOKEN,
    Agent,
    ApiCall,
    CallbackQuery,
    Chat,
    Injected,
    SentMessage,
    StoredFile,
    Topic,
    User,
)

__all__ = [
    "DEFAULT_AGENT_CHAT_ID",
    "DEFAULT_TOKEN",
    "Agent",
    "ApiCall",
    "CallbackQuery",
    "Chat",
    "FakeTelegram",
    "Injected",
    "SentMessage",
    "StoredFile",
    "Topic",
    "User",
]
