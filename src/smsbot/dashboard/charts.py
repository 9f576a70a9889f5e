"""Bar charts as server-rendered SVG (no chart library, no script), readable by screen readers.

Counts under 5 are never drawn: a hatched band marks "<5" across the chart, and a day with fewer
than 5 gets no bar (its label says "<5", whatever its true value, 0 included), so the picture never
tells more than the numbers do.
"""

from __future__ import annotations

import itertools

from markupsafe import Markup, escape

from smsbot.dashboard.numbers import SMALL, DailySeries

WIDTH, HEIGHT = 640, 180
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 12, 28
_ids = itertools.count(1)


def shown(count: int) -> str:
    return "<5" if count < SMALL else str(count)


def bar_chart(series: DailySeries) -> Markup:
    """One bar per day; the axis says the largest count shown, the first and last day."""
    chart_id = f"chart-{next(_ids)}"
    days, counts = series.days, series.counts
    top = max([c for c in counts if c >= SMALL] + [2 * SMALL])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(days))
    bar_w = max(1.0, step * 0.75)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(series.label)}</title>',
        f'<desc id="{chart_id}-d">{escape(_summary(series))}</desc>',
        f'<defs><pattern id="{chart_id}-h" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="3" height="6" class="hatch"/></pattern></defs>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}"/>',
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + 10}" text-anchor="end">{top}</text>',
    ]
    band = plot_h * SMALL / top
    parts.append(
        f'<rect class="band" fill="url(#{chart_id}-h)" x="{LEFT}" y="{TOP + plot_h - band:.1f}" '
        f'width="{plot_w}" height="{band:.1f}"/>'
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + plot_h - band / 2 + 4:.1f}" '
        'text-anchor="end">&lt;5</text>'
    )
    for index, (day, count) in enumerate(zip(days, counts, strict=True)):
        x = LEFT + index * step + (step - bar_w) / 2
        label = escape(f"{day.strftime('%b %d')}: {shown(count)}")
        if count < SMALL:  # no bar: only the label, on an invisible target for pointer users
            parts.append(
                f'<rect class="target" x="{x:.1f}" y="{TOP + plot_h - band:.1f}" width="{bar_w:.1f}" '
                f'height="{band:.1f}"><title>{label}</title></rect>'
            )
            continue
        height = plot_h * count / top
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{bar_w:.1f}" '
            f'height="{height:.1f}"><title>{label}</title></rect>'
        )
    if days:
        parts.append(f'<text class="tick" x="{LEFT}" y="{HEIGHT - 8}">{days[0].strftime("%b %d")}</text>')
        parts.append(
            f'<text class="tick" x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" text-anchor="end">'
            f"{days[-1].strftime('%b %d')}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _summary(series: DailySeries) -> str:
    busiest = max(series.counts, default=0)
    return (
        f"{len(series.days)} days from {series.days[0]:%b %d} to {series.days[-1]:%b %d}; "
        f"total {shown(series.total)}; busiest day {shown(busiest)}. Days under 5 show as <5."
        if series.days
        else "no days"
    )
