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
        # a manager asked for («مدیر» is a person only so: the portal has a role of that name)
        "مدیر میخوام",
        "میخوام با مدیر صحبت کنم",
        "با سرپرستتون تماس بگیرم",
        "modir mikham",
        # business with a person, the customer's («با … کار دارم»)
        "با کارشناس کار دارم",
        "با یه کارشناس کار داشتم",
        "با مدیر کار دارم",
        # the desk asked to call the customer
        "لطفا با من تماس بگیرید",
        "میشه باهام تماس بگیرید؟",
        "به من زنگ بزنید",
        "مدیر زنگ بزنه",
        "یکی زنگ بزنه",
        "پشتیبانی باهام تماس بگیره",
        "baham tamas begirid",
        "حسابم قفل شده، لطفا با من تماس بگیرید",
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
        # «مدیر», «مدیریت» as the portal's role or whom a question is about
        "اختیارات مدیر سامانه",
        "میخوام مدیر سامانه رو عوض کنم",
        "دسترسی مدیر میخوام",
        "مدیر میخواد گزارش ببینه",
        "چطوری با مدیر تماس بگیرم",
        "داشبورد مدیریتی میخوام",
        "با فایل کار دارم",
        "با پنل ادمین کار دارم",
        # whether one is needed, or the business is over (a review found each a ticket)
        "برای نصب پرینتر با ادمین کار دارم؟",
        "با ادمین کار دارم یا خودم میتونم رمز رو عوض کنم؟",
        "با کارشناس کار داشتم ولی مشکلم حل شد",
        "با کارشناس کار دارم ولی الان نه",
        # a call the customer would make, or one that did not come, or to another number
        "زنگ بزنم؟",
        "کسی زنگ نزد",
        "به این شماره زنگ بزنید؟",
        "چطوری بهتون زنگ بزنم",
        "تماس بگیرید",  # what error messages say, pasted alone
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
    ("text", "rest"),
    [
        # a problem, then a person word ending the message or its own clause, however long
        ("دسترسی به بخش قراردادها ندارم، کارشناس لطفا", "دسترسی بخش قراردادها ندارم"),
        ("رمزمو یادم رفته، کارشناس لطفا", "رمزمو یادم رفته"),
        ("حسابم قفل شده، اپراتور لطفا", "حسابم قفل شده"),
        ("حسابم قفل شده، اپراتور لطفاً", "حسابم قفل شده"),
        ("دسترسی ندارم. لطفا با کارشناس", "دسترسی ندارم"),
        ("حسابم قفل شده؛ اپراتور", "حسابم قفل شده"),
        ("حسابم قفل شده\nکارشناس", "حسابم قفل شده"),  # a line break ends a clause too
        ("حسابم قفل شده، کارشناس!", "حسابم قفل شده"),
        ("پرینتر طبقه دوم خرابه، کارشناس please", "پرینتر طبقه دوم خرابه"),
        ("حسابم قفل شده، یه آدم واقعی لطفا", "حسابم قفل شده"),
        ("حسابم قفل شده، با یه اپراتور", "حسابم قفل شده"),
        ("کارشناس لطفا، رمزم یادم رفته و حسابم قفل شده", "رمزم یادم رفته حسابم قفل شده"),
        ("حساب\u200cام قفل شده، كارشناس لطفا", "حسابام قفل شده"),  # Arabic kaf, a half-space
        # ending the message, with «لطفا» after it or «لطفا»/«با» before it, no comma needed
        ("حسابم قفل شده کارشناس لطفا", "حسابم قفل شده"),
        ("دسترسی ندارم لطفا با کارشناس", "دسترسی ندارم"),
        # «با یه نفر» / «با یکی» with a verb of talking asked for
        ("حسابم قفل شده میخوام با یه نفر صحبت کنم", "حسابم قفل شده"),
        # a denial of something else before it («I don't want to wait»)
        ("نمیخوام منتظر بمونم میخوام با یه نفر صحبت کنم", "منتظر بمونم"),
        ("نمیخوام دوباره توضیح بدم با یه نفر صحبت کنم", "دوباره توضیح بدم"),
        ("فاکتورم اشتباهه میخوام با یه نفر صحبت کنم", "فاکتورم اشتباهه"),
        ("حسابم قفل شده صحبت کنم با یه نفر", "حسابم قفل شده"),
        (
            "حسابم قفل شده و هرکاری میکنم باز نمیشه، میشه با یه نفر حرف بزنم؟",
            "حسابم قفل شده هرکاری میکنم باز نمیشه",
        ),
        # Finglish
        ("hesabam ghofl shode, operator lotfan", "hesabam ghofl shode"),
        ("ramzamo yadam rafte, karshenas lotfan", "ramzamo yadam rafte"),
        ("hesabam ghofl shode mikham ba ye nafar sohbat konam", "hesabam ghofl shode"),
    ],
)
def test_a_problem_with_a_request_for_a_person_is_a_request(text: str, rest: str) -> None:
    assert asks_for_person(text) and beyond_request(text) == rest


@pytest.mark.parametrize(
    "text",
    [
        # a person word ending a message as whose something is, or whom it went to
        "بازیابی رمز عبور ادمین",
        "نحوه اضافه کردن ادمین",
        "فایل رو فرستادم برای کارشناس",
        "درخواست دسترسی دادم به ادمین",
        "نسخه ۲.۵ ادمین",
        # a role or an object in a clause of its own
        "رمزم یادم رفته، رمز ادمین",
        "ramzam yadam rafte, ramze admin",
        "دسترسی ندارم، دسترسی ادمین میخوام",
        "کاربر جدید ساختم، نقش ادمین",
        "پنل کارشناس، باز نمیشه",
        "میخوام ادمین بشم، لطفا",
        "دسترسی ندارم، ادمین جدید تعریف کنم",
        "ادمین رو عوض کنم، چطوری؟",
        "ایمیل ادمین رو میخوام عوض کنم، ادمین قبلی رفته",
        # a person named in the middle of a report, a complaint or thanks
        "کارشناس شما دیروز گفت درست میشه، ولی هنوز خرابه",
        "از کارشناس راضی نیستم، شکایت دارم",
        "مشکل حل شد. ممنون از کارشناس",
        # «پشتیبانی», «کسی» in a clause of their own are often the topic or a hello
        "دسترسی ندارم، شماره تماس پشتیبانی",
        "تمدید قرارداد، پشتیبانی",
        "حسابم قفل شده، کسی هست",
        "سلام. کسی هست؟ رمزم یادم رفته",
        # «با یه نفر» / «با یکی»: talking told, not asked for, or how to reach one
        "دیروز با یه نفر تماس گرفتم، جواب نداد",
        "چطوری میتونم با یه نفر صحبت کنم",
        "با یکی از همکاران فایل را به اشتراک بگذارم، چطوری؟",
        # talking to someone not wanted, not needed
        "نمیخوام با یه نفر صحبت کنم، فقط بگید رمز چطوری عوض میشه",
        "نیازی نیست با کسی صحبت کنم، فقط لینک رو بفرستید",
        "رمزم یادم رفته ولی نمیخوام با یه نفر صحبت کنم",
    ],
)
def test_a_problem_that_only_names_a_person_is_not_a_request(text: str) -> None:
    assert not asks_for_person(text)


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
