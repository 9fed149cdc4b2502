"""What the interaction log keeps of a message that is not text."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Message

from bot.message_kinds import loggable_text

BASE: dict[str, Any] = {
    "message_id": 5,
    "date": 1_790_000_000,
    "chat": {"id": 7, "type": "private"},
    "from": {"id": 7, "is_bot": False, "first_name": "مریم"},
}


@pytest.mark.parametrize(
    ("content", "kept"),
    [
        # A venue was kept as bare coordinates: its name and address were lost.
        (
            {
                "venue": {
                    "location": {"latitude": 35.7, "longitude": 51.4},
                    "title": "دفتر مرکزی",
                    "address": "تهران، خیابان آزادی",
                },
                "location": {"latitude": 35.7, "longitude": 51.4},
            },
            "دفتر مرکزی · تهران، خیابان آزادی (35.7,51.4)",
        ),
        ({"dice": {"emoji": "🎲", "value": 4}}, "🎲 4"),  # was nothing
        (
            {
                "poll": {
                    "id": "1",
                    "question": "کدام سامانه کند است؟",
                    "options": [
                        {"persistent_id": "a", "text": "پورتال", "voter_count": 0},
                        {"persistent_id": "b", "text": "ایمیل", "voter_count": 0},
                    ],
                    "total_voter_count": 0,
                    "is_closed": False,
                    "is_anonymous": True,
                    "type": "regular",
                    "allows_multiple_answers": False,
                    "allows_revoting": True,
                    "members_only": False,
                }
            },
            "کدام سامانه کند است؟ (پورتال / ایمیل)",
        ),
    ],
    ids=["venue", "dice", "poll"],
)
def test_the_log_keeps_the_words_of_a_place_a_dice_or_a_poll(
    content: dict[str, Any], kept: str
) -> None:
    assert loggable_text(Message.de_json(BASE | content, None)) == kept
