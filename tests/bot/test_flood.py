"""Flood control: one notice per flood, silence until it calms, albums count once."""

from bot.flood import FloodGuard


def test_flood_gets_one_notice_then_silence() -> None:
    guard = FloodGuard(max_events=3, window=10)
    verdicts = [guard.check(1, str(i), at=100 + i * 0.1) for i in range(8)]
    assert verdicts == ["ok", "ok", "ok", "notice"] + ["silent"] * 4


def test_answers_resume_once_the_customer_slows_down() -> None:
    guard = FloodGuard(max_events=3, window=10)
    for i in range(6):
        guard.check(1, str(i), at=100 + i * 0.1)
    assert guard.check(1, "later", at=130) == "ok"


def test_album_counts_as_one_message() -> None:
    guard = FloodGuard(max_events=3, window=10)
    assert [guard.check(1, "album-7", at=100) for _ in range(10)] == ["ok"] * 10


def test_customers_are_counted_separately() -> None:
    guard = FloodGuard(max_events=2, window=10)
    for i in range(3):
        guard.check(1, str(i), at=100)
    assert guard.check(2, "x", at=100) == "ok"


def test_a_retried_update_is_not_counted_twice() -> None:
    guard = FloodGuard(max_events=2, window=10)
    assert [guard.check(1, "same", at=100) for _ in range(5)] == ["ok"] * 5


def test_after_a_flood_answers_wait_until_the_customer_is_well_under_the_limit() -> None:
    guard = FloodGuard(max_events=4, window=10)
    flood = [guard.check(1, str(i), at=100 + i) for i in range(6)]
    assert flood == ["ok"] * 4 + ["notice", "silent"]
    # Still four messages in the last 10 s, no longer over the limit: not yet calm.
    assert guard.check(1, "a", at=111) == "silent"
    assert guard.check(1, "b", at=113) == "silent"
    # Two in the window: half the limit, so answers resume.
    assert guard.check(1, "c", at=122) == "ok"
