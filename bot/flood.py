"""Per-customer flood control: one polite notice for a flood, then silence until it calms down.

Time comes from the messages themselves (Telegram's `date`, or `edit_date` for an
edit), not the wall clock, so replaying stored updates after a restart gives the same
verdicts; button presses, which carry no time, are counted on the wall clock under a key of
their own (bot.handlers.gates.stop_flood).
Each event has an id (the update id, or the album's media_group_id so an album
counts once); counting the same id twice changes nothing, which keeps a retried
update from counting double.

>>> guard = FloodGuard(max_events=3, window=10)
>>> [guard.check(1, str(i), at=100 + i) for i in range(6)]
['ok', 'ok', 'ok', 'notice', 'silent', 'silent']
>>> guard.check(1, "late", at=200)
'ok'
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Literal

Verdict = Literal["ok", "notice", "silent"]
# Forget customers idle this many windows when the table grows past SWEEP_AT.
SWEEP_AT = 10_000


@dataclass(slots=True)
class _Track:
    events: dict[str, float] = field(default_factory=dict)
    flooding: bool = False
    last_at: float = 0.0


class FloodGuard:
    """Count each customer's recent messages: answer, warn once, or stay silent."""

    def __init__(self, max_events: int, window: float) -> None:
        self.max_events = max_events
        self.window = window
        self._tracks: dict[Hashable, _Track] = {}

    def check(self, key: Hashable, event_id: str, *, at: float) -> Verdict:
        """Record one event for `key` at time `at` and return what to do with it."""
        track = self._tracks.get(key)
        if track is None:
            if len(self._tracks) >= SWEEP_AT:
                self._sweep(at)
            track = self._tracks[key] = _Track()
        track.last_at = max(track.last_at, at)
        horizon = track.last_at - self.window
        track.events = {eid: t for eid, t in track.events.items() if t > horizon}
        track.events.setdefault(event_id, at)
        count = len(track.events)
        if count > self.max_events:
            if track.flooding:
                return "silent"
            track.flooding = True
            return "notice"
        if track.flooding and count > self.max_events // 2:
            return "silent"  # calming down: wait until well under the limit
        track.flooding = False
        return "ok"

    def _sweep(self, now: float) -> None:
        idle = now - 3 * self.window
        self._tracks = {k: t for k, t in self._tracks.items() if t.last_at > idle}
