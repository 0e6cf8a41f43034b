"""Charts drawn on the server as SVG: no script, no CDN, readable by a screen reader.

Each chart is a set of horizontal bars, a row per label, so long names
and many weeks never overlap: the chart grows downwards. The SVG has
role="img" and a <title>; the page puts the same figures in a table
beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

# A narrow drawing, so that on a phone's 375 pixels its 13-pixel text
# still reads at about 10 pixels.
LABEL_WIDTH = 125
BAR_WIDTH = 175
VALUE_WIDTH = 70
BAR_HEIGHT = 16
ROW_GAP = 10
WIDTH = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
_ids = count(1)


@dataclass(frozen=True)
class Row:
    """One label with a value per series, and how each value is written."""

    label: str
    values: Sequence[float]
    texts: Sequence[str]


def bar_chart(
    title: str, rows: Sequence[Row], *, series: Sequence[str], maximum: float | None = None
) -> SafeString:
    """Horizontal bars, one group of `len(series)` bars per row, scaled to `maximum`.

    `series` names a CSS class per bar of a group (`.bar-<name>` in
    reports.css), so groups read the same as the legend.
    """
    top = maximum or max((value for row in rows for value in row.values), default=0) or 1
    group_height = len(series) * BAR_HEIGHT + ROW_GAP
    height = max(group_height * len(rows), group_height)
    title_id = f"chart-title-{next(_ids)}"
    parts = []
    for index, row in enumerate(rows):
        y = index * group_height
        middle = y + len(series) * BAR_HEIGHT / 2
        parts.append(
            format_html(
                '<text class="chart-label" x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>',
                LABEL_WIDTH - 8,
                middle,
                _shorten(row.label),
            )
        )
        for number, (name, value, text) in enumerate(
            zip(series, row.values, row.texts, strict=True)
        ):
            width = max(0.0, min(value, top)) / top * BAR_WIDTH
            bar_y = y + number * BAR_HEIGHT
            parts.append(
                format_html(
                    '<rect class="bar bar-{}" x="{}" y="{}" width="{}" height="{}"></rect>'
                    '<text class="chart-value" x="{}" y="{}" dominant-baseline="middle">{}</text>',
                    name,
                    LABEL_WIDTH,
                    bar_y + 1,
                    f"{width:.1f}",
                    BAR_HEIGHT - 2,
                    f"{LABEL_WIDTH + width + 4:.1f}",
                    bar_y + BAR_HEIGHT / 2,
                    text,
                )
            )
    return format_html(
        '<svg class="chart" role="img" aria-labelledby="{}" viewBox="0 0 {} {}" '
        'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}">{}</title>'
        '<line class="chart-axis" x1="{}" y1="0" x2="{}" y2="{}"></line>{}</svg>',
        title_id,
        WIDTH,
        height,
        title_id,
        title,
        LABEL_WIDTH,
        LABEL_WIDTH,
        height,
        format_html_join("", "{}", ((part,) for part in parts)),
    )


def _shorten(label: str, limit: int = 16) -> str:
    """A label that fits left of the bars; the table beside has it whole."""
    return label if len(label) <= limit else f"{label[: limit - 1]}…"
