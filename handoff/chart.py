"""The daily report's last four weeks as a picture: a bar chart a figure, Persian throughout.

The text report shows a week a line a day; a month of days fits only a chart. Each panel is
one figure of DayFigures, a bar a Tehran day, oldest on the left; a day without it (no
question asked, no ticket answered, no rating) has no bar. Numbers are in Persian digits
and the axis with them is on the right, beside the latest day.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import jdatetime

from handoff import texts
from handoff.figures import DayFigures
from handoff.persian import fa_digits

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Inches at DPI: 900 × 1000 pixels, which Telegram shows without shrinking the labels away.
SIZE = (9.0, 10.0)
DPI = 100
# Days a label goes under: every seventh back from the latest (a week's same weekday); more
# crowd each other.
LABEL_EVERY = 7
_COLOURS = ("#2e7d32", "#1565c0", "#ef6c00", "#6a1b9a")
# A fixed scale's figures: a share by quarters, a rating at each of its marks up to 5.
_FIXED_TICKS: dict[float | None, list[float]] = {100: [0, 25, 50, 75, 100], 5: [0, 1, 2, 3, 4, 5]}


@dataclass(frozen=True)
class Panel:
    """One chart: its Persian title, each day's value (None: nothing to show), its top."""

    title: str
    values: list[float | None]
    top: float | None = None  # a scale with a fixed top (a share, a rating out of 5)
    whole: bool = True  # only whole numbers on its axis (not so of hours)


def panels(trend: Sequence[tuple[date, DayFigures]]) -> list[Panel]:
    """The charts of `trend` (days oldest first): self-service share, tickets opened, median
    first response (minutes, or hours when one passes two), mean rating."""
    figures = [f for _, f in trend]
    medians = [f.first_response_median for f in figures]
    longest = max((m for m in medians if m is not None), default=timedelta())
    unit, per = (
        (texts.CHART_HOURS, timedelta(hours=1))
        if longest > timedelta(hours=2)
        else (texts.CHART_MINUTES, timedelta(minutes=1))
    )
    open_hours = any(f.open_hours for f in figures)
    response = texts.CHART_FIRST_RESPONSE_OPEN_HOURS if open_hours else texts.CHART_FIRST_RESPONSE
    return [
        Panel(
            texts.CHART_SELF_SERVICE,
            [None if f.self_service_rate is None else f.self_service_rate * 100 for f in figures],
            top=100,
        ),
        Panel(texts.CHART_OPENED, [float(f.opened) for f in figures]),
        Panel(
            response.format(unit=unit),
            [None if m is None else m / per for m in medians],
            whole=False,
        ),
        Panel(texts.CHART_CSAT, [f.csat for f in figures], top=5),
    ]


def day_labels(days: Sequence[date]) -> list[str]:
    """Under every LABEL_EVERY-th day back from the last its Jalali day of the month, with
    the month's name under the first such and where the month changed; "" elsewhere."""
    labels = []
    shown_month = None
    for n, day in enumerate(days):
        jday = jdatetime.date.fromgregorian(date=day)
        if (len(days) - 1 - n) % LABEL_EVERY:
            labels.append("")
            continue
        said = str(jday.day)
        if jday.month != shown_month:
            said += f"\n{texts.JALALI_MONTHS[jday.month - 1]}"
            shown_month = jday.month
        labels.append(fa_digits(said))
    return labels


def trend_chart(trend: Sequence[tuple[date, DayFigures]]) -> Figure:
    """The figure of `trend`'s panels, one above another, sharing the days."""
    # Imported here: a third of a second, and only the daily report draws.
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

    days = [day for day, _ in trend]
    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    axes = figure.subplots(len(_COLOURS), 1, sharex=True)
    where = list(range(len(days)))
    persian = FuncFormatter(lambda value, _: _number(value))
    for ax, panel, colour in zip(axes, panels(trend), _COLOURS, strict=True):
        heights = [math.nan if v is None else v for v in panel.values]
        ax.bar(where, heights, color=colour, width=0.7)
        ax.set_title(panel.title, loc="right", fontsize=12)
        ax.yaxis.tick_right()
        # Steps of 1, 2 or 5 (times a power of ten): a tick at 0.25 read «۰٫۲» at a tenth.
        ax.yaxis.set_major_locator(
            FixedLocator(_FIXED_TICKS[panel.top])
            if panel.top in _FIXED_TICKS
            else MaxNLocator(nbins=4, steps=[1, 2, 5, 10], integer=panel.whole)
        )
        ax.yaxis.set_major_formatter(persian)
        ax.set_ylim(0, panel.top if panel.top is not None else _top_of(panel.values))
        ax.grid(axis="y", alpha=0.3)
        ax.spines[["top", "left"]].set_visible(False)
        _mark_missing(ax, panel.values)
    last: Axes = axes[-1]
    last.set_xticks(where, day_labels(days))
    last.set_xlim(-0.6, len(days) - 0.4)
    return figure


def trend_png(trend: Sequence[tuple[date, DayFigures]]) -> bytes:
    """`trend`'s chart as a PNG."""
    buffer = io.BytesIO()
    trend_chart(trend).savefig(buffer, format="png")
    return buffer.getvalue()


def _top_of(values: Sequence[float | None]) -> float:
    """A count's scale: a little above the highest day, at least 1 (a quiet month)."""
    return max([1.0, *(v * 1.1 for v in values if v is not None)])


def _mark_missing(ax: Axes, values: Sequence[float | None]) -> None:
    """A dash where a day has nothing to show, so it reads as none, not as a zero."""
    for n, value in enumerate(values):
        if value is None:
            ax.text(n, 0, texts.REPORT_TREND_NONE, ha="center", va="bottom", color="#9e9e9e")


def _number(value: float) -> str:
    """An axis figure in Persian digits: whole numbers bare, others to a tenth («۲٫۵»)."""
    if value == int(value):
        return fa_digits(int(value))
    return fa_digits(f"{value:.1f}").replace(".", "٫")
