"""Greetings and thanks are answered politely, never treated as questions."""

import pytest

from triage.smalltalk import small_talk


@pytest.mark.parametrize("text", ["سلام", "سلام، وقت بخیر!", "درود", "صبح بخیر", "hi"])
def test_greeting_is_small_talk(text: str) -> None:
    assert small_talk(text) == "greeting"


@pytest.mark.parametrize("text", ["ممنون", "خیلی ممنون", "مرسی", "سپاسگزارم", "دمت گرم"])
def test_thanks_is_small_talk(text: str) -> None:
    assert small_talk(text) == "thanks"


@pytest.mark.parametrize("text", ["سلام رمزم یادم رفته", "ممنون ولی هنوز وصل نمیشه", "", "رمز"])
def test_message_with_a_question_is_not_small_talk(text: str) -> None:
    assert small_talk(text) is None
