"""The daily report's four weeks as a chart: what each panel shows, and that it is Persian."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from PIL import Image

from handoff.chart import DPI, SIZE, day_labels, panels, trend_chart, trend_png
from handoff.figures import DayFigures

# Saturday 15 Azar 1405 and the 27 days before it (from 18 Aban).
LAST = date(2026, 12, 6)
DAYS = [LAST - timedelta(days=back) for back in range(27, -1, -1)]
MOMENT = datetime(2026, 12, 6, tzinfo=UTC)
PERSIAN_DIGITS = set("۰۱۲۳۴۵۶۷۸۹٫")


def _day(**figures: object) -> DayFigures:
    return DayFigures(start=MOMENT, end=MOMENT, **figures)  # type: ignore[arg-type]


def _month(busy: DayFigures, quiet: DayFigures | None = None) -> list[tuple[date, DayFigures]]:
    """Every day `busy`, but Fridays `quiet` (nobody asked, answered or rated)."""
    return [(d, quiet if quiet is not None and d.weekday() == 4 else busy) for d in DAYS]


def test_each_panel_shows_its_figure_a_bar_a_day_and_none_where_a_day_had_none() -> None:
    busy = _day(
        asked=20,
        self_served=15,
        opened=4,
        first_response_median=timedelta(minutes=45),
        ratings=[4, 5],
    )
    shown = panels([(DAYS[0], busy), (DAYS[1], _day())])

    assert [p.values for p in shown] == [[75.0, None], [4.0, 0.0], [45.0, None], [4.5, None]]
    assert [p.title for p in shown] == [
        "خودیاری: مشتریانی که بی‌نیاز از کارشناس ماندند (٪)",
        "تیکت‌های تازه",
        "میانهٔ اولین پاسخ (دقیقه)",
        "رضایت مشتری (میانگین از ۵)",
    ]
    assert [p.top for p in shown] == [100, None, None, 5]


def test_long_waits_are_shown_in_hours_and_open_hours_are_said_so() -> None:
    slow = _day(first_response_median=timedelta(hours=3), open_hours=True)
    quick = _day(first_response_median=timedelta(minutes=30), open_hours=True)

    (_, _, response, _) = panels([(DAYS[0], slow), (DAYS[1], quick)])

    assert response.title == "میانهٔ اولین پاسخ در ساعات کاری (ساعت)"
    assert response.values == [3.0, 0.5]


def test_days_are_labelled_a_week_apart_in_jalali_with_the_month_where_it_changes() -> None:
    labels = day_labels(DAYS)

    assert [(n, said) for n, said in enumerate(labels) if said] == [
        (6, "۲۴\nآبان"),
        (13, "۱\nآذر"),
        (20, "۸"),
        (27, "۱۵"),  # the reported day, last
    ]


def test_the_chart_reads_in_persian_with_its_numbers_on_the_right() -> None:
    busy = _day(asked=10, self_served=7, opened=3, ratings=[3, 4])
    figure = trend_chart(_month(busy, quiet=_day()))
    figure.canvas.draw()

    axes = figure.get_axes()
    assert [ax.get_title(loc="right") for ax in axes] == [p.title for p in panels(_month(busy))]
    for ax in axes:
        ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_visible()]
        assert ticks and all(set(t) <= PERSIAN_DIGITS for t in ticks), ticks
        assert ax.yaxis.get_ticks_position() == "right"
    # a Friday with no question, no reply and no rating has a dash, not a bar of nought
    fridays = sum(d.weekday() == 4 for d in DAYS)
    dashes = [t for t in axes[0].texts if t.get_text() == "—"]
    assert len(dashes) == fridays == 4


def test_each_axis_figure_reads_as_the_value_it_marks() -> None:
    # A month without a first response had ticks at 0.25 and 0.75 minutes, read «۰٫۲», «۰٫۸».
    latin = str.maketrans("۰۱۲۳۴۵۶۷۸۹٫", "0123456789.")
    for month in (_month(_day()), _month(_day(first_response_median=timedelta(minutes=150)))):
        figure = trend_chart(month)
        figure.canvas.draw()
        for ax in figure.get_axes():
            for tick in ax.get_yticklabels():
                if tick.get_visible() and tick.get_text():
                    assert float(tick.get_text().translate(latin)) == tick.get_position()[1]


def test_a_share_reads_by_quarters_and_a_rating_at_each_mark_up_to_five() -> None:
    figure = trend_chart(_month(_day(asked=4, self_served=3, ratings=[4])))
    figure.canvas.draw()
    share, _, _, rating = figure.get_axes()

    assert [t.get_text() for t in share.get_yticklabels()] == ["۰", "۲۵", "۵۰", "۷۵", "۱۰۰"]
    assert [t.get_text() for t in rating.get_yticklabels()] == ["۰", "۱", "۲", "۳", "۴", "۵"]


def test_the_chart_is_a_picture_telegram_shows() -> None:
    png = trend_png(_month(_day(asked=5, self_served=5, opened=1)))

    picture = Image.open(io.BytesIO(png))
    assert picture.format == "PNG"
    assert picture.size == (int(SIZE[0] * DPI), int(SIZE[1] * DPI))
