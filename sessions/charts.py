"""Geometry for the report page's charts, drawn by the server as SVG (no chart library, no CDN).

Templates draw what these return; colours come from classes in townhall.css.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    y: float
    text_y: float
    width: float
    value_x: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    bar_height: int
    bars: list[Bar]


def bar_chart(
    items: list[tuple[str, int]], *, width: int = 640, label_width: int = 200, row: int = 24
) -> BarChart:
    """Horizontal bars, one row per item, the longest bar for the largest value."""
    largest = max((value for _label, value in items), default=0) or 1
    room = width - label_width - 50
    bars = [
        Bar(
            label=label if len(label) <= 28 else label[:27] + "…",
            value=value,
            y=index * row + 4,
            text_y=index * row + row / 2 + 5,
            width=round(room * value / largest, 1),
            value_x=round(label_width + room * value / largest + 6, 1),
        )
        for index, (label, value) in enumerate(items)
    ]
    return BarChart(width, max(len(items), 1) * row + 8, label_width, row - 8, bars)


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class TimelineChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    citizens: str
    politicians: str
    x_ticks: list[Tick]
    y_ticks: list[Tick]


def _tick_step(minutes: int) -> int:
    for step in (5, 10, 15, 30, 60, 120, 240, 720, 1440):
        if minutes / step <= 10:
            return step
    return 10080


def timeline_chart(timeline: list[dict], *, width: int = 720, height: int = 240) -> TimelineChart:
    """Two lines, citizens and politicians, over the session's minutes; ticks in local time."""
    left, right, top, bottom = 44, width - 12, 12, height - 32
    count = len(timeline)
    largest = max((max(row["citizens"], row["politicians"]) for row in timeline), default=0) or 1
    step_x = (right - left) / max(count - 1, 1)

    def x(index: int) -> float:
        return round(left + index * step_x, 1)

    def y(value: int) -> float:
        return round(bottom - (bottom - top) * value / largest, 1)

    def points(key: str) -> str:
        return " ".join(f"{x(i)},{y(row[key])}" for i, row in enumerate(timeline))

    step = _tick_step(count)
    x_ticks = [
        Tick(x(i), timezone.localtime(datetime.fromisoformat(row["minute"])).strftime("%H:%M"))
        for i, row in enumerate(timeline)
        if i % step == 0
    ]
    y_values = sorted({0, largest // 2, largest})
    y_ticks = [Tick(y(value), str(value)) for value in y_values]
    return TimelineChart(
        width, height, left, right, top, bottom, points("citizens"), points("politicians"),
        x_ticks, y_ticks,
    )  # fmt: skip
