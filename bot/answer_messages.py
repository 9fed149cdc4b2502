"""Which message carries a KB answer's "was this helpful?" buttons.

Telegram tells a message's id only once it is sent, after the update's last commit. A commit
of its own for that id cost a third of the bot's throughput (bench/bot_throughput.py: 2.2 ->
2.9 ms of CPU per message), so the ids are kept here and written to their decisions with the
next commit of any update (bot.pipeline). A customer who types «بله» looks here, then on the
decision: either way the bot can take the buttons off. Lost on a crash before that commit,
the buttons merely stay, and pressing them says the answer was given.
"""

from __future__ import annotations

KEPT = 10_000  # recent answers remembered in memory; older ones are on their decisions


class AnswerMessages:
    """Decision id -> the id of the message under its answer, recent ones in memory."""

    def __init__(self) -> None:
        self._ids: dict[int, int] = {}
        self._unsaved: list[tuple[int, int]] = []

    def sent(self, decision_id: int, message_id: int) -> None:
        """Note that the decision's buttons went out in `message_id`."""
        self._ids[decision_id] = message_id
        if len(self._ids) > KEPT:
            del self._ids[next(iter(self._ids))]  # the oldest
        self._unsaved.append((decision_id, message_id))

    def get(self, decision_id: int) -> int | None:
        return self._ids.get(decision_id)

    def take_unsaved(self) -> list[tuple[int, int]]:
        """The ids not yet written to their decisions (the caller writes them)."""
        unsaved, self._unsaved = self._unsaved, []
        return unsaved
