"""A customer refusing a person in plain Persian: no request for one, and what else they asked."""

import pytest

from triage.person import asks_for_person
from triage.refusal import refused_person


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("نمیخوام با کارشناس صحبت کنم", ""),
        ("کارشناس نمیخوام", ""),
        ("کارشناس رو نمیخوام", ""),
        ("نیازی به کارشناس نیست", ""),
        ("نیاز به کارشناس ندارم", ""),
        ("لازم نیست با اپراتور صحبت کنم", ""),
        ("کارشناس لازم نیست", ""),
        ("نمی‌خواهم با پشتیبان حرف بزنم", ""),
        ("nemikham ba karshenas sohbat konam", ""),
        ("نه کارشناس نمیخوام خودم حلش میکنم", ""),
        ("کارشناس نه، خودم حل میکنم", ""),
        ("لطفا به کارشناس وصل نکنید", ""),
        ("نمیخواد به کارشناس وصلم کنی", ""),
        ("نه، اپراتور نمیخوام فقط جواب بده", ""),
        ("نیازی نیست کسی زنگ بزنه", ""),
        ("کارشناس لازم نیست، رمزم یادم رفته", "رمزم یادم رفته"),
        # only the refusal's words are taken out: «تماس», «پشتیبانی» are the question's
        ("کارشناس نمیخوام فقط بگید شماره تماس پشتیبانی چنده", "شماره تماس پشتیبانی چنده"),
        ("کارشناس نمیخوام وی پی ان وصل نمیشه", "وی پی ان وصل نمیشه"),
        ("نمیخوام با یه نفر صحبت کنم، فقط بگید رمز چطوری عوض میشه", "رمز چطوری عوض میشه"),
        # a second review's phrasings: «نمیخواد» as "no need", the denial with no «با»
        ("کارشناس نمیخواد", ""),
        ("karshenas nemikhad", ""),
        ("نمیخوام کارشناس زنگ بزنه", ""),
        ("نمیخوام اپراتور تماس بگیره", ""),
        ("نمیخوام کارشناس، فقط بگو رمز چطوری عوض میشه", "رمز چطوری عوض میشه"),
        ("پشتیبان نمیخوام", ""),
        ("نمیخوام وصلم کنی به کارشناس", ""),
        ("لازم نیست وصلم کنی به کارشناس", ""),
        ("نیازی به صحبت با کارشناس نیست", ""),
        ("تمایلی به صحبت با کارشناس ندارم", ""),
        ("نه کارشناس نمیخواد، خودم درستش میکنم", ""),
        ("کارشناس لازم نیست، همین ربات کافیه", ""),
        ("اپراتور نه، ربات جواب بده", ""),
        ("من کارشناس نمیخوام", ""),
        ("لازم نیست کارشناس بیاد", ""),
        # a third review's: formal wording, «منتقل نکنید», Finglish «lazem»
        ("مایل به گفتگو با کارشناس نیستم", ""),
        ("لطفاً مرا به اپراتور منتقل نکنید", ""),
        ("karshenas lazem nist", ""),
        ("کارشناس نمیخوام، ممنون از راهنماییتون", ""),
        ("نه ممنون، خودم درستش کردم کارشناس نمیخوام", ""),
        ("نه ممنون کارشناس نمیخوام، فقط بگید تا چه ساعتی پاسخگو هستید", "تا چه ساعتی پاسخگو هستید"),
        # the last note's leftovers: each opened a ticket, or was read as a request
        ("نه با کارشناس کاری ندارم", ""),
        ("کاری به کارشناس ندارم فقط رمزمو بگید", "رمزمو بگید"),
        ("پشتیبانی نمیخوام ممنون", ""),
        ("با ربات راحت ترم، کارشناس نمیخوام", ""),
        ("کارشناس؟ نه ممنون", ""),
        ("اپراتور؟ نه ممنون رمزم یادم رفته", "رمزم یادم رفته"),
        ("بدون کارشناس، خودم میخوام درستش کنم", ""),
        ("کارشناس نمیخوم", ""),
        ("ضرورتی به تماس کارشناس نیست", ""),
        ("نیازی نیست کسی با من تماس بگیره", ""),
        # a second review's: the refusal after «نه», a greeting or thanks, or said twice
        ("کارشناس؟ نه کارشناس نمیخوام", ""),
        ("نه بدون کارشناس", ""),
        ("سلام پشتیبانی نمیخوام", ""),
        ("ممنون کسی رو نمیخوام", ""),
        ("خودم حلش کردم پشتیبانی نمیخوام", ""),
        ("لازم نیست کسی به من زنگ بزنه، رمزم یادم رفته", "رمزم یادم رفته"),
    ],
)
def test_a_person_refused_is_no_request_and_the_rest_is_the_question(text: str, rest: str) -> None:
    assert not asks_for_person(text)
    assert refused_person(text) == rest


@pytest.mark.parametrize(
    "text",
    [
        "ربات نمیخوام کارشناس میخوام",  # the bot refused, a person asked for
        "نمیخوام منتظر بمونم میخوام با یه نفر صحبت کنم",
        "کارشناس نمیخوام. میخوام با مسئول صحبت کنم",  # another clause asks for one
        # a denial of something else near a request for a person (a review found each of
        # these read as a refusal: no ticket)
        "نمیخوام منتظر بمونم با کارشناس وصلم کن",
        "نمیخوام جواب خودکار بگیرم کارشناس لطفا",
        "نمیخوام صبر کنم اپراتور لطفا",
        "نمیخوام اینجا بنویسم با کارشناس تماس بگیرم",
        # something else refused, a person asked for (the second review)
        "اینا رو نمیخوام با کارشناس وصلم کن",
        "مقاله نمیخوام با کارشناس صحبت کنم لطفا",
        "راهنما لازم نیست با کارشناس صحبت کنم",
        "جواب تکراری نمیخوام با کارشناس صحبت کنم",
        "نیاز به کارشناس دارم",  # a need, not refused: a person asked for
        "کارشناس نه، مدیر میخوام",  # a person refused, a manager asked for
        "اپراتور؟ نه، میخوام با سرپرستتون صحبت کنم",
        "کارشناس؟ نه کارشناس قبلی رو میخوام",
        "با کارشناس کاری ندارم با مدیر کار دارم",
    ],
)
def test_a_refusal_of_something_else_beside_a_request_is_a_request(text: str) -> None:
    assert asks_for_person(text)
    assert refused_person(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "کارشناستون نمیخواد جواب بده؟",  # a complaint about a person, not a refusal of one
        "چرا هیچ کارشناسی نمیخواد جواب بده",
        "کارشناس حضوری نمیخوام، تلفنی تماس بگیرید",  # a kind of visit refused
        # «نه…نه…» (neither…nor), «نه تنها»: complaints about a person, not refusals of one
        "کارشناس نه جواب داد نه زنگ زد",
        "اپراتور نه تنها جواب نداد بلکه تیکتمو بست",
        "کارشناستون نه تلفن جواب میده نه پیام",
        "رمز ادمین رو نمیخوام عوض کنم",  # a person word, no person refused
        "رمزم یادم رفته",
        # nobody refused: a complaint, a question about doing without, the service declined
        "کسی زنگ نزد",
        "چرا کسی تماس نگرفت",
        "میشه بدون ادمین رمز رو عوض کرد",
        "بدون کارشناس نمیشه درستش کرد؟",
        "نصب رو میشه خودم انجام بدم بدون تکنسین؟",
        "بدون کارشناس؟",
        "پشتیبانی نمیخوام تمدید کنم",
        "ما دیگه پشتیبانی نمیخوایم",  # a contract cancelled: for a person to take
        # a phone call turned down, not a person: a written answer is still wanted (a review
        # found «کارشناس زنگ نزنه، پیام بده», «اگر کارشناس تماس نگیره قراردادمو لغو میکنم»
        # read as refusals)
        "کسی زنگ نزنه لطفا",
        "کارشناس زنگ نزنه، پیام بده",
        "اگر کارشناس تماس نگیره قراردادمو لغو میکنم",
        "مدیر گفت کسی زنگ نزنه",
    ],
)
def test_what_refuses_no_person_is_no_refusal(text: str) -> None:
    assert refused_person(text) is None
