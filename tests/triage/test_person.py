"""Recognising a request for a person in plain Persian (formal, colloquial, Finglish)."""

import pytest

from triage.person import PersonRequestDetector, asks_for_person, beyond_request, fold


@pytest.mark.parametrize(
    "text",
    [
        "با کارشناس صحبت کنم",
        "اپراتور",
        "اوپراتور لطفا",
        "میخوام با یه آدم حرف بزنم",
        "می‌خواهم با یک کارشناس صحبت کنم",
        "پشتیبان انسانی",
        "پشتيبان انساني",  # Arabic yeh
        "لطفا منو به پشتیبانی وصل کنید",
        "کسی هست؟",
        "ربات نمیخوام",
        "با ربات نمیخوام حرف بزنم",
        "حرف بزنم با یه انسان",
        "operator please",
        "I want to talk to a human",
        "میخوام با مسئول صحبت کنم",  # «ئ» is folded in the message and in the word list alike
        "مسئول لطفا",
        "یه نفر جواب بده",
        "میشه با یکی صحبت کنم",
        "با یکی وصلم کنید",
        "اپراتوووور",
        "میخوام با ادمین صحبت کنم",
        # in Latin letters: Finglish, and Persian typed on an English keyboard layout
        "ba poshtibani tamas begiram",
        "ba ye nafar harf bezanam",
        "mikham ba masool sohbat konam",
        "fh ;hvakhs wpfj ;kl",
        # «پشتیبانی», «کسی», «نفر» in a message that says nothing else
        "با پشتیبانی صحبت کنم",
        "پشتیبانی",
        "کسی هست جواب بده",
        "یه آدم واقعی لطفا",  # four words, all of them the request
        # with «با»/«به» and a verb of talking, a word more is still a request
        "میشه با پشتیبانی فنی صحبت کنم",
        "میخوام با یه نفر از پشتیبانی صحبت کنم",
        "وصلم کنید به پشتیبانی فنی",
        "با مسئول فنی صحبت کنم",
        "کسی اونجا هست؟",
        "کسی نیست جواب بده؟",
        "mikham ba poshtibani fanni sohbat konam",
        "ba ye nafar az poshtibani harf bezanam",
        "kasi nist?",
        "ldo,hl fh majdfhkd tkd wpfj ;kl",
        "سلام کسی هست؟",  # a hello with «کسی هست؟» is still only the request
        "nemikham ba robot harf bezanam",
        "اپراتور رو میخوام",
    ],
)
def test_request_for_a_person_is_recognised(text: str) -> None:
    assert asks_for_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "رمز عبورم را فراموش کرده‌ام",
        "رمز کارشناس شبکه را فراموش کرده‌ام",
        "چطور به وی پی ان وصل شوم",
        "۵ نفر از همکاران نمی‌توانند وارد شوند",
        "پشتیبانی شبکه قطع است",
        "یکی از همکارام میخواد فایل ببینه",  # «یکی» as "one of", with a verb of wanting
        "با یکی از همکاران فایل را به اشتراک بگذارم",
        # a role the customer wants, not a person to talk to
        "میخوام ادمین بشم",
        "دسترسی ادمین میخوام",
        "نقش ادمین لازم دارم",
        "کارشناس هستم رمزم یادم رفته",
        # «پشتیبانی» the service, «پشتیبان» a backup, «کسی», «نفر», «کارمند», «مسئول» whom
        # the question is about: each used to open a ticket (a KB title among them)
        "راه‌های تماس با پشتیبانی",
        "شماره تلفن پشتیبانی چنده؟",
        "پشتیبانی تا ساعت چند جواب میده؟",
        "تمدید قرارداد پشتیبانی",
        "tamdid gharardad poshtibani",
        "نسخه پشتیبان بگیرم",
        "میخوام پنج نفر دیگه اضافه کنم ولی میگه ظرفیت پره",
        "میخوام ببینم چه کسی آخرین بار این قرارداد رو ویرایش کرده",
        "کارمندی که اخراج شده هنوز میتونه لاگین کنه؟ فوری میخوایم ببندیمش",
        "مسئول پروژه کیه",
        "شماره تماس پشتیبانی",
        # questions about support, which the KB answers, not requests for it
        "پشتیبانی تلفنی دارید؟",
        "پشتیبانی آنلاین دارید؟",
        "تماس با پشتیبانی",
        "چطور با پشتیبانی تماس بگیرم",
        # «ادمین» as what the customer changes, not whom they would talk with
        "میخوام ادمین رو عوض کنم",
        "میخوام ادمین جدید تعریف کنم",
        "ایمیل ادمین رو میخوام عوض کنم",
        "vpn vasl nemishe",
        "ramzam yadam rafte",
        "سلام",
        "",
        "   ",
    ],
)
def test_question_that_mentions_people_is_not_a_request(text: str) -> None:
    assert not asks_for_person(text)


def test_long_message_naming_an_agent_is_treated_as_a_question() -> None:
    text = (
        "دیروز کارشناس شبکه گفت برای اتصال به سرور باید نرم افزار جدید را نصب کنم"
        " ولی نصب نمیشه و خطا میده"
    )
    assert not asks_for_person(text)


def test_normalizer_output_is_also_checked() -> None:
    detect = PersonRequestDetector(normalizer=lambda text: "اپراتور" if text == "oprator" else text)
    assert detect("oprator")
    assert not detect("salam")


def test_a_failing_normalizer_never_breaks_detection() -> None:
    def broken(text: str) -> str:
        raise RuntimeError("bug")

    detect = PersonRequestDetector(normalizer=broken)
    assert detect("اپراتور")
    assert not detect("سلام")


def test_folding_shortens_drawn_out_letters_but_not_numbers_or_real_doubles() -> None:
    assert fold("سلاااام، مرسییی") == "سلام مرسی"
    assert fold("سلاام") == "سلام"
    assert fold("راهنمایی ۱۰۰۰ تومان 2000") == "راهنمایی ۱۰۰۰ تومان 2000"


@pytest.mark.parametrize(
    "text",
    [
        "اپراتور",
        "کارشناس لطفا",
        "با کارشناس صحبت کنم",
        "میخوام با یه آدم واقعی حرف بزنم",
        "پشتیبان انسانی",
        "ربات نه، اپراتور",
        "لطفا وصلم کنید به پشتیبانی",
        "ba ye nafar harf bezanam",
        "fh ;hvakhs wpfj ;kl",  # «با کارشناس صحبت کنم» on an English keyboard layout
        "با کسی میتونم حرف بزنم؟",  # asked politely
        "میتونم با یه کارشناس صحبت کنم؟",
        "nemikham ba robot harf bezanam",
    ],
)
def test_a_bare_request_for_a_person_says_nothing_else(text: str) -> None:
    assert asks_for_person(text) and beyond_request(text) == ""


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("پرینتر خرابه، اپراتور", "پرینتر خرابه"),
        ("اینترنت قطعه کارشناس", "اینترنت قطعه"),
        ("سلام، با کارشناس صحبت کنم", "سلام"),
        ("سلام کسی هست؟", "سلام"),
        ("مرسی ولی با یه آدم صحبت کنم", "مرسی"),
    ],
)
def test_what_a_request_for_a_person_says_besides_is_kept(text: str, rest: str) -> None:
    assert asks_for_person(text) and beyond_request(text) == rest


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("صبح‌تون", "صبحتون"),
        ("زحمات‌تون", "زحماتتون"),
        ("راه‌های تماس", "راه های تماس"),  # a plural is not joined
        ("سپاس‌گزارم", "سپاسگزارم"),
        ("می‌خوام", "میخوام"),  # «می» joined to its verb, as before
        ("گزینه‌ی دوم", "گزینه ی دوم"),  # not a suffix: a space, as before
        ("نرم‌افزار", "نرم افزار"),
    ],
)
def test_folding_joins_a_suffix_after_a_half_space(text: str, folded: str) -> None:
    assert fold(text) == folded
