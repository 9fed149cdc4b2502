"""An answer shown in a terminal (kb chat, kb ask) reads as the customer reads it, without marks."""

from kb.markup import plain_text

ANSWER = """\
## پیش از شروع
برای **بازیابی رمز** به [پورتال](https://portal.example.ir/reset) بروید:

1. نام کاربری را در `کادر اول` بنویسید.
2) کد پیامک‌شده را _وارد_ کنید.
   10. زیرمرحله
- نکته: ~~ایمیل~~ پیامک
> رمز تازه دست‌کم ۸ نویسه است.
---
```
a **b** c
```
[نشانی نسبی](/help) و ![نمودار](https://x.ir/a.png)"""


def test_marks_are_taken_out_and_lists_numbered_in_persian() -> None:
    assert plain_text(ANSWER).splitlines() == [
        "پیش از شروع",
        "برای بازیابی رمز به پورتال (https://portal.example.ir/reset) بروید:",
        "",
        "۱. نام کاربری را در کادر اول بنویسید.",
        "۲) کد پیامک‌شده را وارد کنید.",
        "  ۱۰. زیرمرحله",
        "• نکته: ایمیل پیامک",
        "│ رمز تازه دست‌کم ۸ نویسه است.",
        "—————",
        "a **b** c",  # code is shown as typed
        "نشانی نسبی و نمودار (https://x.ir/a.png)",  # a link nobody can open: its label
    ]
