"""Triage rules: a person when asked or when nothing fits, fewer lists after failures, priority."""

from kb.decision import Decision, Hit
from triage import after_not_helpful, decide, priority, question_for_kb, read_together

PASSWORD = Hit("password-reset", "بازیابی رمز عبور", 0.82)
LOCKED = Hit("account-locked", "قفل شدن حساب", 0.41)
VPN = Hit("vpn-connect", "اتصال به وی‌پی‌ان", 0.38)


def answer(query: str = "رمزم یادم رفته") -> Decision:
    return Decision(query, "answer", (PASSWORD, LOCKED, VPN), 0.93)


def suggest(query: str = "مشکل ورود") -> Decision:
    return Decision(query, "suggest", (LOCKED, VPN, PASSWORD), 0.4)


def nothing(query: str = "قیمت گوجه") -> Decision:
    return Decision(query, "handoff", (VPN,), 0.05)


def test_confident_answer_is_given() -> None:
    outcome = decide("رمزم یادم رفته", answer())
    assert outcome.action == "answer"
    assert outcome.article_id == "password-reset"


def test_request_for_a_person_wins_over_a_confident_answer() -> None:
    outcome = decide("رمزم یادم رفته، با کارشناس صحبت کنم", answer())
    assert outcome.action == "handoff"
    assert outcome.reason == "asked"
    assert outcome.hits == (PASSWORD, LOCKED, VPN)


def test_nothing_fitting_hands_off_with_what_was_tried() -> None:
    outcome = decide("قیمت گوجه", nothing())
    assert (outcome.action, outcome.reason) == ("handoff", "no_answer")
    assert outcome.hits == (VPN,)


def test_unsure_result_offers_up_to_three_articles() -> None:
    outcome = decide("مشکل ورود", suggest())
    assert outcome.action == "suggest"
    assert [h.article_id for h in outcome.hits] == [
        "account-locked",
        "vpn-connect",
        "password-reset",
    ]


def test_after_two_failures_an_unsure_result_goes_to_a_person() -> None:
    outcome = decide("مشکل ورود", suggest(), failed_attempts=2)
    assert (outcome.action, outcome.reason) == ("handoff", "not_helpful")


def test_after_two_failures_a_confident_answer_is_still_given() -> None:
    assert decide("رمزم یادم رفته", answer(), failed_attempts=2).action == "answer"


def test_greeting_is_small_talk_not_a_ticket() -> None:
    outcome = decide("سلام", nothing("سلام"))
    assert outcome.action == "small_talk"
    assert outcome.talk == "greeting"


def test_thanks_stays_thanks_even_when_an_article_matches_its_words() -> None:
    # «پاسخگویی» is in the support-hours article: the customer is thanking, not asking.
    outcome = decide("ممنون از پاسخگوییتون", answer())
    assert (outcome.action, outcome.talk) == ("small_talk", "thanks")


def test_first_no_offers_the_other_articles() -> None:
    outcome = after_not_helpful((PASSWORD, LOCKED, VPN), "password-reset", failed_attempts=0)
    assert outcome.action == "suggest"
    assert [h.article_id for h in outcome.hits] == ["account-locked", "vpn-connect"]


def test_second_no_in_a_row_hands_off() -> None:
    outcome = after_not_helpful((PASSWORD, LOCKED), "password-reset", failed_attempts=1)
    assert (outcome.action, outcome.reason) == ("handoff", "not_helpful")


def test_priority_rises_with_tier_and_urgent_wording() -> None:
    assert priority("standard", "رمزم یادم رفته") == "normal"
    assert priority("standard", "فوری: سرور از کار افتاده") == "high"
    assert priority("vip", "رمزم یادم رفته") == "high"
    assert priority("vip", "خیلی فوری است") == "urgent"
    assert priority("vic", "رمزم یادم رفته") == "high"
    assert priority("vic", "فوری: سرور از کار افتاده") == "urgent"
    assert priority("unknown-tier", "اضطراری") == "high"


def test_a_refused_person_with_nothing_asked_is_no_ticket() -> None:
    # «نمیخوام با کارشناس صحبت کنم» opened a ticket at once: read as a request for one.
    for text in ("نمیخوام با کارشناس صحبت کنم", "نه ممنون، اپراتور نمیخوام"):
        outcome = decide(text, nothing(text))
        assert (outcome.action, outcome.reason) == ("no_person", None), text


def test_a_refused_person_is_offered_not_handed_a_question_with_no_guide() -> None:
    outcome = decide("کارشناس نمیخوام، قیمت گوجه چنده", nothing("قیمت گوجه چنده"))
    assert (outcome.action, outcome.reason) == ("no_person", "no_answer")
    assert outcome.hits == (VPN,)


def test_a_refused_person_keeps_the_guides_offered_after_two_failures() -> None:
    outcome = decide("نیازی به کارشناس نیست، مشکل ورود", suggest(), failed_attempts=2)
    assert outcome.action == "suggest"


def test_the_kb_is_asked_what_a_refusal_of_a_person_says_besides() -> None:
    asked = question_for_kb("نمیخوام با کارشناس صحبت کنم، فقط بگید رمز چطوری عوض میشه")
    assert asked == "رمز چطوری عوض میشه"
    assert question_for_kb("رمزم یادم رفته") == "رمزم یادم رفته"


def test_a_question_split_over_messages_is_read_together_when_that_answers_it() -> None:
    # together answered, alone not: taken, for a fragment
    assert read_together("یادم رفته", suggest("یادم رفته"), answer("رمزم\nیادم رفته"))
    assert read_together("از خونه", nothing("از خونه"), answer())
    # alone answered already: its own reading stands
    assert not read_together("رمزم یادم رفته", answer(), answer())
    # guides together were mostly the earlier question's again, for a new question
    assert not read_together("پرینتر کاغذ گیر کرده", nothing(), suggest("ایمیل\nپرینتر"))
    # a question of its own, however it reads together: answered with the earlier article
    assert not read_together("دکمه ورود رو میزنم صفحه رفرش میشه", nothing(), answer())
