"""The whole conversation of a ticket as a file: readable right to left, safe, in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handoff.transcript import ENTRY_MAX, Entry, render_transcript

T0 = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)  # 16 Azar 1405, 09:30 in Tehran


def test_the_file_reads_right_to_left_with_each_entry_under_when_and_whose() -> None:
    page = render_transcript(
        12,
        "مریم",
        [
            Entry(T0, "customer", "پرینتر چاپ نمی‌کند"),
            Entry(T0 + timedelta(minutes=1), "customer", "", kind="photo"),
            Entry(T0 + timedelta(minutes=2), "note", "کارتریج خالی است", by="سارا"),
            Entry(T0 + timedelta(minutes=3), "guide", "تعویض کارتریج"),
            Entry(T0 + timedelta(minutes=4), "to_customer", "کارتریج را عوض کنید"),
            Entry(T0 + timedelta(minutes=5), "undelivered", "لطفاً دوباره امتحان کنید", by="سارا"),
            Entry(T0 + timedelta(minutes=6), "to_customer", "عوض شد؟", by="سارا"),
            Entry(T0 + timedelta(minutes=7), "to_customer", "به این تیکت امتیاز دهید", by="ربات"),
        ],
    )

    assert '<html lang="fa" dir="rtl">' in page and '<meta charset="utf-8">' in page
    assert "<title>گفتگوی تیکت #۱۲ · مریم</title>" in page
    assert "۸ پیام، یادداشت داخلی و مقالهٔ فرستاده‌شده" in page
    heads = [
        "۱۶ آذر ۱۴۰۵، ساعت ۰۹:۳۰ · 👤 مشتری",
        "۱۶ آذر ۱۴۰۵، ساعت ۰۹:۳۱ · 👤 مشتری · عکس",
        "۱۶ آذر ۱۴۰۵، ساعت ۰۹:۳۲ · 📝 یادداشت داخلی — سارا\u200f",
        "۱۶ آذر ۱۴۰۵، ساعت ۰۹:۳۳ · 📚 مقالهٔ فرستاده‌شده",
        "۱۶ آذر ۱۴۰۵، ساعت ۰۹:۳۴ · 📤 به مشتری (کارشناس یا ربات)",  # whose, not logged
        "۱۶ آذر ۱۴۰۵، ساعت ۰۹:۳۵ · ⚠️ پاسخی که به مشتری نرسید — سارا\u200f",
        "۱۶ آذر ۱۴۰۵، ساعت ۰۹:۳۶ · 📤 به مشتری — سارا\u200f",
        "۱۶ آذر ۱۴۰۵، ساعت ۰۹:۳۷ · 📤 به مشتری — ربات\u200f",
    ]
    where = [page.index(f'<div class="head">{head}</div>') for head in heads]
    assert where == sorted(where)


def test_customer_words_and_names_are_escaped_and_bounded() -> None:
    opening = "<script>alert(1)</script> & "
    hostile = opening + "ب" * (ENTRY_MAX + 50)
    page = render_transcript(
        3,
        "<img src=x>",
        [
            Entry(T0, "customer", hostile),
            Entry(T0, "note", "ok", by="<b>سارا</b>"),
            Entry(T0, "to_customer", "ok", by="<i>سارا</i>"),
        ],
    )

    body = page.split("<body>")[1]
    assert "<script>" not in body and "<img" not in body and "<b>" not in body
    assert "<i>" not in body and "📤 به مشتری — &lt;i&gt;سارا&lt;/i&gt;" in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; " in body
    kept = ENTRY_MAX - len(opening)  # cut at ENTRY_MAX characters, as typed
    assert "ب" * kept in body and "ب" * (kept + 1) not in body
    assert "&lt;img src=x&gt;" in page.split("<body>")[0]  # the title too
