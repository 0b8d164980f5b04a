"""Server-rendered SVG charts: no script and no CDN, so they show on networks without internet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from markupsafe import Markup, escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f")
WIDTH, HEIGHT, LEFT, BOTTOM, TOP, LEGEND = 720, 220, 36, 24, 10, 150


@dataclass(frozen=True)
class Series:
    name: str
    values: list[int]


def line_chart(title: str, buckets: list[dt.date], series: list[Series]) -> Markup:
    """One line per series over ``buckets``, with axes, a legend and a title for screen readers."""
    plot_w = WIDTH - LEFT - LEGEND
    plot_h = HEIGHT - BOTTOM - TOP
    top = max([max(s.values, default=0) for s in series] + [1])
    step = plot_w / max(len(buckets) - 1, 1)

    def x(i: int) -> float:
        return LEFT + i * step

    def y(v: float) -> float:
        return TOP + plot_h - v / top * plot_h

    parts = [f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>",
             f'<line class="axis" x1="{LEFT}" y1="{y(0):.1f}" x2="{LEFT + plot_w}" y2="{y(0):.1f}"/>',
             f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{y(0):.1f}"/>',
             f'<text class="tick" x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{top}</text>',
             f'<text class="tick" x="{LEFT - 4}" y="{y(0):.1f}" text-anchor="end">0</text>']
    every = max(1, len(buckets) // 6)
    for i, day in enumerate(buckets):
        if i % every == 0 or i == len(buckets) - 1:
            parts.append(f'<text class="tick" x="{x(i):.1f}" y="{HEIGHT - 6}" text-anchor="middle">'
                         f"{day.strftime('%m-%d')}</text>")
    if not series:
        parts.append(f'<text class="empty" x="{LEFT + plot_w / 2}" y="{TOP + plot_h / 2}" '
                     'text-anchor="middle">nothing in this period</text>')
    for n, s in enumerate(series):
        color = PALETTE[n % len(PALETTE)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values))
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}">'
                     f"<title>{escape(s.name)}: {sum(s.values)}</title></polyline>")
        ly = TOP + 14 * n + 8
        parts.append(f'<rect x="{WIDTH - LEGEND + 10}" y="{ly - 8}" width="10" height="10" fill="{color}"/>'
                     f'<text class="legend" x="{WIDTH - LEGEND + 24}" y="{ly + 1}">{escape(s.name)} '
                     f"({sum(s.values)})</text>")
    parts.append("</svg>")
    return Markup("".join(parts))


def top_series(counts: dict[str, list[int]], most: int = len(PALETTE)) -> list[Series]:
    """The ``most`` series with the largest totals, largest first."""
    ranked = sorted(counts.items(), key=lambda kv: (-sum(kv[1]), kv[0]))[:most]
    return [Series(name, values) for name, values in ranked]
