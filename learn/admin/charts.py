"""Chart geometry for server-drawn SVG: bars and columns, no script, no chart library.

Views turn report rows into a chart here; ``templates/admin/_charts.html`` draws it as an
SVG with ``role="img"``, a ``<title>`` and a ``<desc>``. The same figures are always in a
table beside the chart, so the chart is never the only way to read them.
"""

from __future__ import annotations

from dataclasses import dataclass

LABEL_WIDTH = 210
PLOT_WIDTH = 300
VALUE_WIDTH = 60
BAR_HEIGHT = 22
BAR_GAP = 8
COLUMN_PLOT_HEIGHT = 180


@dataclass(frozen=True)
class Bar:
    """One bar (or column), with where to draw it and the text that goes with it."""

    label: str
    value: float
    text: str
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    value_x: float
    value_y: float


@dataclass(frozen=True)
class Chart:
    """A chart ready to draw: an id for ARIA, a title, a description and the bars."""

    id: str
    title: str
    description: str
    width: int
    height: int
    bars: tuple[Bar, ...]
    #: "bars" (horizontal) or "columns" (vertical)
    kind: str
    axis_labels: tuple[tuple[float, float, str], ...] = ()


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    items: list[tuple[str, float | None]],
    *,
    maximum: float | None = None,
    suffix: str = "",
) -> Chart:
    """Return horizontal bars for (label, value) pairs; None values draw no bar."""
    top = maximum or max([v for _, v in items if v is not None] or [0]) or 1
    bars = []
    for i, (label, value) in enumerate(items):
        y = BAR_GAP + i * (BAR_HEIGHT + BAR_GAP)
        width = PLOT_WIDTH * (value or 0) / top
        bars.append(
            Bar(
                label=_short(label),
                value=value or 0,
                text="–" if value is None else f"{value:g}{suffix}",
                x=LABEL_WIDTH,
                y=y,
                width=round(max(width, 0), 1),
                height=BAR_HEIGHT,
                label_x=LABEL_WIDTH - 6,
                label_y=y + BAR_HEIGHT * 0.7,
                value_x=round(LABEL_WIDTH + max(width, 0) + 6, 1),
                value_y=y + BAR_HEIGHT * 0.7,
            )
        )
    height = BAR_GAP + len(items) * (BAR_HEIGHT + BAR_GAP)
    return Chart(
        chart_id,
        title,
        description,
        LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH,
        max(height, 40),
        tuple(bars),
        "bars",
    )


def column_chart(
    chart_id: str, title: str, description: str, items: list[tuple[str, float]]
) -> Chart:
    """Return vertical columns for (label, value) pairs, e.g. completions per week."""
    count = max(len(items), 1)
    left, bottom = 40, 40
    plot_width = max(PLOT_WIDTH + LABEL_WIDTH - left, count * 14)
    step = plot_width / count
    top = max([v for _, v in items] or [0]) or 1
    # Label at most about eight columns, so the labels never overlap.
    every = max(1, -(-count // 8))
    bars = []
    for i, (label, value) in enumerate(items):
        height = COLUMN_PLOT_HEIGHT * value / top
        x = left + i * step + step * 0.15
        y = 10 + COLUMN_PLOT_HEIGHT - height
        bars.append(
            Bar(
                label=label if i % every == 0 else "",
                value=value,
                text=f"{value:g}",
                x=round(x, 1),
                y=round(y, 1),
                width=round(step * 0.7, 1),
                height=round(height, 1),
                label_x=round(x + step * 0.35, 1),
                label_y=10 + COLUMN_PLOT_HEIGHT + 16,
                value_x=round(x + step * 0.35, 1),
                value_y=round(y - 4, 1),
            )
        )
    axis = ((left - 6, 10 + COLUMN_PLOT_HEIGHT, "0"), (left - 6, 14, f"{top:g}"))
    return Chart(
        chart_id,
        title,
        description,
        int(left + plot_width + 10),
        10 + COLUMN_PLOT_HEIGHT + bottom,
        tuple(bars),
        "columns",
        axis,
    )


# --- the charts of the report pages ------------------------------------------------------


def completion_chart(chart_id: str, title: str, description: str, rows, other: str) -> Chart:
    """Return bars of the percentage completed for completion rows."""
    items = [(r.label or other, r.percent) for r in rows]
    return bar_chart(chart_id, title, description, items, maximum=100, suffix="%")


def weekly_chart(chart_id: str, title: str, description: str, weeks) -> Chart:
    """Return columns of completions per week."""
    items = [(f"{w.week_start.day}/{w.week_start.month}", w.completions) for w in weeks]
    return column_chart(chart_id, title, description, items)


def quiz_chart(chart_id: str, title: str, description: str, rows) -> Chart:
    """Return bars of the average score per quiz."""
    items = [(r.title, r.average_score) for r in rows]
    return bar_chart(chart_id, title, description, items, maximum=100, suffix="%")


def reach_chart(chart_id: str, title: str, description: str, rows, labels: dict) -> Chart:
    """Return bars of people trained per group; suppressed cells draw no bar."""
    items = [(str(labels.get(r.key, r.key)), r.trained) for r in rows]
    return bar_chart(chart_id, title, description, items)
