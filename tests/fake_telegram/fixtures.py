"""Pytest fixtures for other test folders.

In a conftest.py: `from tests.fake_telegram.fixtures import fake_telegram`.
"""

from collections.abc import Iterator

import pytest

from tests.fake_telegram.fake import FakeTelegram


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    """Yield a started FakeTelegram; stop it afterwards and fail if the fake itself crashed."""
    fake = FakeTelegram()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
    assert not fake.crashes, "fake Telegram crashed:\n" + "\n".join(fake.crashes)
