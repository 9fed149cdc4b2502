"""The Application the bot is built on keeps nothing per customer in memory."""

from __future__ import annotations

from typing import cast

from telegram import Update

from bot.app import build_application
from bot.config import Settings
from bot.context import Services


def test_the_application_keeps_no_id_of_each_chat_and_user_it_saw(settings: Settings) -> None:
    # PTB marked each update's chat and user for a persistence the bot does not have, and
    # only a persistence clears the marks: a process up for months kept every customer's id.
    app = build_application(settings, cast(Services, None))
    for user_id in range(1000, 1100):
        payload = {
            "update_id": user_id,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": user_id, "type": "private"},
                "from": {"id": user_id, "is_bot": False, "first_name": "مریم"},
                "text": "سلام",
            },
        }
        app._mark_for_persistence_update(update=Update.de_json(payload, app.bot))

    assert app._chat_ids_to_be_updated_in_persistence == set()
    assert app._user_ids_to_be_updated_in_persistence == set()
