"""Words answering the rating request after a close («خوب بود», «افتضاح», «بد نبود»,
«نمیدونم») are read as a judgement of the service; a problem or a question is not one."""

import pytest

import triage
from triage.judgement import Judgement, judgement


@pytest.mark.parametrize(
    "text",
    [
        "خوب بود",
        "عالی بود",
        "عالی",
        "خوب",
        "راضی بودم",
        "راضیم",
        "راضی‌ام",  # a half-space before the suffix
        "راضی ام",
        "خیلی خوب بود",
        "واقعا عالی بودید",
        "خووووب بود",  # drawn out for emphasis
        "عالیییی",
        "فوق‌العاده بود",
        "فوق العاده",
        "بی‌نظیر",
        "بیست بود",
        "از شما راضیم",
        "در کل خوب بود",
        "کارشناس‌تون عالی بود",  # what is judged, with a suffix
        "برخورد کارشناس خوب بود",
        "پشتیبانی خوبه",
        "ممنون، عالی بود",  # with thanks
        "مرسی خوب بود 👌",
        "خوب بود، حل شد",
        "اصلا بد نبود",  # «not bad at all»
        "خوب بود.",
        "خوب بود!",
        "خوب\u200cبود",
        "خوب بودي",  # Arabic yeh: folds
        "۱۰۰ از ۱۰۰",  # a score out of a hundred, twenty or ten
        "100/100",
        "۲۰ از ۲۰",
        "۹ از ۱۰",
        "khoob bood",  # Finglish, and English
        "kheili khoob bood",
        "aali bood",
        "razi boodam",
        "Khoob bood!",
        "good",
        "great",
        "o,f f,n",  # «خوب بود» typed on an English keyboard layout
    ],
)
def test_praise_is_good(text: str) -> None:
    assert judgement(text) == "good"


@pytest.mark.parametrize(
    "text",
    [
        "بد بود",
        "بد",
        "افتضاح",
        "افتضاااح",
        "افتضاح بود",
        "خیلی بد",
        "ناراضی",
        "ناراضیم",
        "ناراضی‌ام",
        "خوب نبود",
        "راضی نبودم",
        "راضی نیستم",
        "اصلا راضی نبودم",
        "اصلا عالی نبود",
        "ضعیف بود",
        "برخوردتون بد بود",
        "راستش بد بود",
        "۲ از ۱۰",
        "bad bood",
        "aftezah",
        "narazi",
        "khoob nabood",
        "not good",
        "terrible",
    ],
)
def test_blame_is_bad(text: str) -> None:
    assert judgement(text) == "bad"


@pytest.mark.parametrize(
    "text",
    [
        "بد نبود",
        "بدک نبود",
        "عالی نبود",  # not great is not bad
        "متوسط بود",
        "متوسط",
        "معمولی",
        "معمولی بود",
        "نه خوب نه بد",
        "قابل قبول",
        "نسبتا خوب",
        "زیاد خوب نبود",
        "یکم بد بود",
        "خوب بود ولی عالی نبود",
        "۱۲ از ۲۰",
        "bad nabood",
        "motevaset bood",
        "not bad",
        "so-so",
    ],
)
def test_neither_is_mixed(text: str) -> None:
    assert judgement(text) == "mixed"


@pytest.mark.parametrize(
    "text",
    [
        "نمیدونم",
        "نمی‌دونم",
        "نمی دونم",
        "نمیدانم",
        "والا نمیدونم",
        "مطمئن نیستم",
        "نظری ندارم",
        "nemidoonam",
        "idk",
        "I don't know",
    ],
)
def test_not_knowing_is_unsure(text: str) -> None:
    assert judgement(text) == "unsure"


@pytest.mark.parametrize(
    "text",
    [
        # a problem, not a judgement: «نشد» says it failed
        "خوب نشد",
        "درست نشد",
        "حل نشد",
        "بد شد",
        "بد کار میکنه",
        "خوب کار نمیکنه",
        "هنوز خرابه",
        "خوب بود ولی هنوز خرابه",
        "اینترنت بد بود",
        "سرعت اینترنت خوب نیست",
        "رمزم خوب نیست",
        "حالم بده",
        "vpn vasl nemishe",
        # a question, or a request
        "خوب بود؟",
        "بد نیست؟",
        "چرا بد بود",
        "خوب چیکار کنم",
        "یه سوال دیگه دارم",
        "کارشناس لطفا",
        "از کارشناس راضی نیستم، کجا شکایت کنم",
        # small talk alone, a greeting
        "سلام",
        "سلام خوبید",
        "خوب هستید",
        "خوبی",
        "ممنون",
        "مرسی",
        "باشه",
        "👍",
        # a digit or a score out of five is the rating reader's; a score beyond its scale
        "۵",
        "عالی بود ۵",
        "بد بود ۱",
        "۴ از ۵",
        "۱۰۰",
        "۱۲۰ از ۱۰۰",
        "بد نبود ۳ ولی دیر جواب دادید",
        # more than five words, or a comment beyond the judgement
        "خوب بود ولی دیر جواب دادید",
        "خیلی خوب بود ولی بد هم بود",
        "معمولی نبود",  # says nothing clear
        "",
        "   ",
        "؟",
    ],
)
def test_anything_else_is_no_judgement(text: str) -> None:
    assert judgement(text) is None


def test_the_reader_is_exported_from_triage() -> None:
    assert triage.judgement is judgement
    said: Judgement | None = triage.judgement("خوب بود")
    assert said == "good"


@pytest.mark.parametrize("text", ["خوب نیست", "هنوز خوب نیست", "عالی نیست", "khoob nist"])
def test_good_denied_in_the_present_is_a_problem_still_there_not_a_verdict(text: str) -> None:
    # «خوب نیست» under «write here if the problem is still there» was thanked as a verdict.
    assert judgement(text) is None


def test_bad_denied_in_the_present_is_still_a_mild_verdict() -> None:
    assert judgement("بد نیست") == "mixed"
