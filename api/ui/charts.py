"""Charts as inline SVG, drawn on the server: no script, no network, readable when printed.

Each function takes plain numbers and labels and returns ``Markup`` (every label escaped), sized
by a ``viewBox`` so that the chart scales with its container. Colours come from the page's CSS
classes (``bar``, ``bar-alt``, ``bar-warn``, ``axis``), so the charts follow the stylesheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["Bar", "funnel", "hbars", "histogram", "stacked_bar"]

_ROW = 22
_LABEL_W = 230
_VALUE_W = 70


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label, its value, the text shown beside it, and a CSS class."""

    label: str
    value: float
    text: str | None = None
    css: str = "bar"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _clip(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(width: int, height: int, body: list[str], title: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'preserveAspectRatio="xMinYMin meet" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def hbars(bars: Sequence[Bar], *, title: str, maximum: float | None = None) -> Markup:
    """Horizontal bars, one row per bar, the longest (or ``maximum``) spanning the width."""
    width = 640
    span = width - _LABEL_W - _VALUE_W
    top = max((b.value for b in bars), default=0.0)
    scale = maximum if maximum is not None and maximum > 0 else (top or 1.0)
    body: list[str] = []
    for i, bar in enumerate(bars):
        y = i * _ROW
        length = max(0.0, min(bar.value / scale, 1.0)) * span
        text = bar.text if bar.text is not None else _num(bar.value)
        body.append(
            f'<text class="label" x="{_LABEL_W - 6}" y="{y + 15}" text-anchor="end">'
            f"<title>{escape(bar.label)}</title>{escape(_clip(bar.label))}</text>"
            f'<rect class="{escape(bar.css)}" x="{_LABEL_W}" y="{y + 3}" '
            f'width="{length:.1f}" height="{_ROW - 6}" rx="2"/>'
            f'<text class="value" x="{_LABEL_W + length + 4:.1f}" y="{y + 15}">'
            f"{escape(text)}</text>"
        )
    return _svg(width, max(len(bars), 1) * _ROW + 4, body, title)


def funnel(stages: Sequence[tuple[str, int]], *, title: str) -> Markup:
    """A funnel: one centred band per stage, its width proportional to its count."""
    width, band, gap = 640, 30, 4
    top = max((count for _, count in stages), default=0) or 1
    body: list[str] = []
    for i, (label, count) in enumerate(stages):
        y = i * (band + gap)
        w = max(2.0, count / top * (width - 260))
        x = 130 + (width - 260 - w) / 2
        body.append(
            f'<text class="label" x="124" y="{y + 20}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="bar" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{band}" rx="3"/>'
            f'<text class="value" x="{width - 124}" y="{y + 20}">{count}</text>'
        )
    return _svg(width, max(len(stages), 1) * (band + gap), body, title)


def histogram(edges: Sequence[float], counts: Sequence[int], *, title: str) -> Markup:
    """Vertical bars over ``len(counts)`` bins bounded by ``edges`` (one more than counts)."""
    if len(edges) != len(counts) + 1:
        raise ValueError(f"expected {len(counts) + 1} bin edges, got {len(edges)}")
    width, height, left, bottom = 640, 220, 40, 24
    plot_h = height - bottom - 16
    top = max(counts, default=0) or 1
    bin_w = (width - left - 10) / max(len(counts), 1)
    body = [
        f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{width - 10}" '
        f'y2="{height - bottom}"/>'
    ]
    for i, count in enumerate(counts):
        h = count / top * plot_h
        x = left + i * bin_w
        y = height - bottom - h
        body.append(
            f'<rect class="bar" x="{x + 1:.1f}" y="{y:.1f}" width="{bin_w - 2:.1f}" '
            f'height="{h:.1f}"><title>{_num(edges[i])}–{_num(edges[i + 1])}: {count}</title>'
            f"</rect>"
        )
        if count:
            body.append(
                f'<text class="value" x="{x + bin_w / 2:.1f}" y="{y - 3:.1f}" '
                f'text-anchor="middle">{count}</text>'
            )
    step = max(1, len(counts) // 5)
    for i in range(0, len(edges), step):
        x = left + i * bin_w
        body.append(
            f'<text class="label" x="{x:.1f}" y="{height - 6}" text-anchor="middle">'
            f"{edges[i]:.2g}</text>"
        )
    return _svg(width, height, body, title)


def stacked_bar(
    parts: Sequence[tuple[str, float]], *, title: str, maximum: float | None = None
) -> Markup:
    """One horizontal bar cut into parts (e.g. a score's terms), each labelled below it; the
    full width is ``maximum`` (default: the parts' sum)."""
    width, height = 640, 58
    total = sum(max(v, 0.0) for _, v in parts)
    total = max(total, maximum or 0.0) or 1.0
    body: list[str] = [f'<rect class="track" x="0" y="0" width="{width}" height="22"/>']
    x = 0.0
    for i, (label, value) in enumerate(parts):
        w = max(value, 0.0) / total * width
        if w <= 0:
            continue
        body.append(
            f'<rect class="part part-{i % 6}" x="{x:.1f}" y="0" width="{w:.1f}" height="22">'
            f"<title>{escape(label)}: {value:.3f}</title></rect>"
        )
        if w > 90:
            body.append(
                f'<text class="label" x="{x + 3:.1f}" y="38">{escape(_clip(label, 14))}</text>'
                f'<text class="value" x="{x + 3:.1f}" y="53">{value:.2f}</text>'
            )
        x += w
    return _svg(width, height, body, title)
