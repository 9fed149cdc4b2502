"""Greetings, thanks, closing words and emoji alone are answered politely, never treated as
questions (none of them opens a ticket)."""

import pytest

from triage.smalltalk import SmallTalk, small_talk


@pytest.mark.parametrize(
    "text",
    [
        "سلام",
        "سلام، وقت بخیر!",
        "درود",
        "صبح بخیر",
        "hi",
        "سلام وقتتون بخیر",
        "سلام روزتون بخیر",
        "سلام خسته نباشید",
        "خسته نباشید",
        "خدا قوت",
        "سلام، خوبید؟",
        "سلام حالتون چطوره",
        "با سلام و احترام",
        "عرض ادب",
        "درود بر شما",
        "سلام به همگی",
        "سلاااام",  # drawn out for emphasis
        "الو",
        "هستید؟",
        "تست",
        # asking how one is, alone, is a hello too (it opened a ticket for an agent to answer)
        "خوبی؟",
        "خوبید؟",
        "حالتون خوبه؟",
        "حالتون چطوره؟",
        "چطورید؟",
        "khoobi?",
    ],
)
def test_greeting_is_small_talk(text: str) -> None:
    assert small_talk(text) == "greeting"


@pytest.mark.parametrize(
    "text",
    [
        "ممنون",
        "خیلی ممنون",
        "مرسی",
        "سپاسگزارم",
        "دمت گرم",
        "دمتون گرم",
        "دستتون درد نکنه",
        "مچکرم",
        "تشکر می‌کنم",
        "ممنونم از راهنماییتون",
        "خیلی ممنون لطف کردید",
        "مرسی از کمکتون",
        "قربون شما",
        "thank you",
        "سلام، ممنون از پاسخگوییتون",
        "مرسییی",
        "ممنونننن",
        # everyday thanks that each opened a ticket
        "مرسی عزیزم",
        "سپاس فراوان",
        "باتشکر",
        "thanks a lot",
    ],
)
def test_thanks_is_small_talk(text: str) -> None:
    assert small_talk(text) == "thanks"


@pytest.mark.parametrize("text", ["👍", "🙏🙏", "ممنونم 🌹"])
def test_thanks_by_emoji_is_small_talk(text: str) -> None:
    assert small_talk(text) == "thanks"


@pytest.mark.parametrize(
    "text",
    [
        "باشه",
        "اوکی",
        "ok",
        "حله",
        "عالی",
        "آهان",
        "متوجه شدم",
        "باشه ممنون",
        "بله",
        "خب",
        "عالیه",
        "باشه حتما",
    ],
)
def test_an_acknowledgement_is_small_talk(text: str) -> None:
    assert small_talk(text) == "ok"


@pytest.mark.parametrize(
    "text", ["مشکلم حل شد", "مرسی، حل شد", "ممنون، کارم راه افتاد", "درست شد خیلی ممنون", "حلشد"]
)
def test_saying_the_problem_is_solved_is_small_talk_of_its_own(text: str) -> None:
    assert small_talk(text) == "solved"


@pytest.mark.parametrize(
    "text",
    [
        "خداحافظ",
        "ممنون، خدانگهدار",
        "باشه فعلا",
        "bye",
        "موفق باشید",
        "روزتون خوش",
        "سلامت باشید",
        # «no thanks» to «anything else?» (it opened a ticket for an agent to answer)
        "نه ممنون",
        "نه، خیلی ممنون",
        "نخیر مرسی",
        "na merci",
        "سوالی ندارم",
        "نه، سوال دیگه‌ای ندارم",
    ],
)
def test_goodbye_is_small_talk(text: str) -> None:
    assert small_talk(text) == "bye"


# «ㅤ» (Hangul filler) and its kin are how people send a "blank" message: nothing to read.
@pytest.mark.parametrize(
    "text", ["😐", "؟؟", "...", "😡😡", "+", "\u3164", "\u115f\u1160", "\uffa0"]
)
def test_emoji_or_punctuation_alone_is_wordless(text: str) -> None:
    assert small_talk(text) == "wordless"


@pytest.mark.parametrize("text", ["سلام اوکی", "سلام، ممنون"])
def test_a_greeting_among_thanks_or_an_ok_is_a_greeting(text: str) -> None:
    assert small_talk(text) == "greeting"


@pytest.mark.parametrize(
    "text",
    [
        "سلام رمزم یادم رفته",
        "ممنون ولی هنوز وصل نمیشه",
        "",
        "  ",
        "رمز",
        "نه",  # typed for the "no" button: the customer may want a person
        "نه ممنون، کمک نکرد",
        "نه ممنون هنوز وصل نمیشه",
        "سوالی ندارم ولی وصل نمیشه",
        "باشه ولی وصل نمیشه",
        "عالی نیست",
        "۱۲۳۴۵",  # a number may be an order or a contract: the KB and agents judge
        "😡 وصل نمیشه",
        # Words that accompany courtesy are requests or problems on their own.
        "کمک",
        "راهنمایی",
        "چطوری",
        "حالم خوب نیست",
        "سلام جواب بدید",
        # A problem not solved, or a question whether it is, is for the KB and agents.
        "مشکلم حل نشد",
        "درست نشد",
        "حل شد؟",
        "خطا رفع شد ولی گزارش نمیاد",
        "ممنون یه سوال دیگه دارم",
        "فعلا وصل نمیشه",
        "سلام، کسی هست؟",  # asks for a person
        "تست سرعت اینترنت",
    ],
)
def test_message_with_a_question_is_not_small_talk(text: str) -> None:
    assert small_talk(text) is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("salam khaste nabashid", "greeting"),
        ("sghl", "greeting"),  # «سلام» typed on an English keyboard layout
        ("kheili mamnoon", "thanks"),
        ("merci hal shod", "solved"),
        ("khodahafez", "bye"),
    ],
)
def test_small_talk_typed_in_latin_letters_is_read_as_the_persian_it_stands_for(
    text: str, kind: str
) -> None:
    assert small_talk(text) == kind


@pytest.mark.parametrize("text", ["ramzam yadam rafte", "nemitoonam login konam", "vpn"])
def test_a_question_typed_in_latin_letters_is_not_small_talk(text: str) -> None:
    assert small_talk(text) is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("ممنونم از راهنمایی‌تون", "thanks"),
        ("صبح‌تون بخیر", "greeting"),
        ("دست‌تون درد نکنه", "thanks"),
        ("ممنون از لطف‌تون", "thanks"),
        ("متشکرم از زحمات‌تون", "thanks"),
        ("سپاس‌گزارم", "thanks"),
        ("شب‌تون خوش", "bye"),
        ("خداحافظ‌تون", "bye"),
    ],
)
def test_a_half_space_before_a_suffix_reads_as_typed_without_it(text: str, kind: SmallTalk) -> None:
    assert small_talk(text) == kind == small_talk(text.replace("\u200c", ""))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("سلام عرض شد", "greeting"),
        ("mrc", "thanks"),
        ("tnx", "thanks"),
        ("ty", "thanks"),
        ("thank u", "thanks"),
    ],
)
def test_more_greetings_and_thanks_are_small_talk(text: str, kind: SmallTalk) -> None:
    assert small_talk(text) == kind


@pytest.mark.parametrize("text", ["راهنمایی‌تون لازم دارم", "سلام عرض شد ولی جواب ندادید"])
def test_a_suffix_joined_or_a_new_greeting_adds_no_small_talk_to_a_question(text: str) -> None:
    assert small_talk(text) is None
