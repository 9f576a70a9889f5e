"""Bar charts as server-rendered SVG (no chart library, no script), readable by screen readers.

A day with 0 gets no bar; a day with 1 to 4 gets a hatched stub of one height whatever its count
(labelled "<5"), so the picture never tells more than the numbers do. The axis labels are drawn in
a large font (the SVG scales down to a phone's width), and they are few: the top count, the first
and the last day. Words and day names in the page's language.
"""

from __future__ import annotations

import itertools

from markupsafe import Markup, escape

from smsbot.dashboard.i18n import _, ngettext
from smsbot.dashboard.numbers import SMALL, DailySeries, day_words, shown

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 10, 16, 44
_ids = itertools.count(1)


def bar_chart(series: DailySeries) -> Markup:
    """One bar per day; the axis says the largest count shown, the first and last day."""
    chart_id = f"chart-{next(_ids)}"
    days, counts = series.days, series.counts
    top = max([c for c in counts if c >= SMALL] + [2 * SMALL])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    base = TOP + plot_h
    step = plot_w / max(1, len(days))
    bar_w = max(1.0, step * 0.75)
    stub = plot_h * SMALL / top  # the height of "<5": as tall as 5 would be
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(_(series.label))}</title>',
        f'<desc id="{chart_id}-d">{escape(_summary(series))}</desc>',
        f'<defs><pattern id="{chart_id}-h" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="4" height="8" class="hatch"/></pattern></defs>',
        f'<line class="axis" x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}"/>',
        f'<line class="grid" x1="{LEFT}" y1="{TOP}" x2="{WIDTH - RIGHT}" y2="{TOP}"/>',
        f'<text class="tick" x="{LEFT - 8}" y="{TOP + 8}" text-anchor="end">{top}</text>',
        f'<text class="tick" x="{LEFT - 8}" y="{base + 2}" text-anchor="end">0</text>',
    ]
    for index, (day, count) in enumerate(zip(days, counts, strict=True)):
        if count == 0:
            continue
        x = LEFT + index * step + (step - bar_w) / 2
        label = escape(f"{day_words(day)}: {shown(count)}")
        small = count < SMALL
        height = stub if small else plot_h * count / top
        kind = f'class="small" fill="url(#{chart_id}-h)"' if small else 'class="bar"'
        parts.append(
            f'<rect {kind} x="{x:.1f}" y="{base - height:.1f}" width="{bar_w:.1f}" '
            f'height="{height:.1f}"><title>{label}</title></rect>'
        )
    if days:
        parts.append(f'<text class="tick" x="{LEFT}" y="{HEIGHT - 10}">{escape(day_words(days[0]))}</text>')
        parts.append(
            f'<text class="tick" x="{WIDTH - RIGHT}" y="{HEIGHT - 10}" text-anchor="end">'
            f"{escape(day_words(days[-1]))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _summary(series: DailySeries) -> str:
    if not series.days:
        return _("no days")
    busiest = max(series.counts, default=0)
    return ngettext(
        "%(num)s day from %(first)s to %(last)s; total %(total)s; busiest day %(busiest)s. "
        "Days with 1 to 4 show as <5.",
        "%(num)s days from %(first)s to %(last)s; total %(total)s; busiest day %(busiest)s. "
        "Days with 1 to 4 show as <5.",
        len(series.days),
        first=day_words(series.days[0]),
        last=day_words(series.days[-1]),
        total=shown(series.total),
        busiest=shown(busiest),
    )
