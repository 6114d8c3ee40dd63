"""Server-side SVG charts of the reliability dashboard: pure functions from numbers and labels to
markup (no ORM, no JavaScript). Every mark that carries meaning in colour also carries it in text
or in shape (a label under the bar, a dashed target line, a hollow projection bar).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

OK = "#1a7f37"
BAD = "#c0392b"
NEUTRAL = "#5b7083"
TARGET = "#222"
GRID = "#d0d7de"
HALO = 'stroke="#fff" stroke-width="3" paint-order="stroke"'  # labels stay readable over lines


@dataclass(frozen=True)
class Bar:
    """One area class: its SAIDI (full year, or year to date), an optional projection to the year
    end, its target and the words for met/missed."""

    label: str
    value: float | None
    target: float | None
    projection: float | None = None
    verdict: str = ""  # e.g. "达标" / "未达标", shown under the bar
    met: bool | None = None


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x < 100 else f"{x:.0f}"


def _ticks(top: float) -> list[float]:
    """About five round steps from 0 to at least `top`."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / 5
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 0.1
    while magnitude > raw:
        magnitude /= 10
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = [0.0]
    while ticks[-1] < top - 1e-9:
        ticks.append(round(ticks[-1] + step, 6))
    return ticks


def target_bars(bars: Sequence[Bar], *, title: str, unit: str, target_label: str, projection_label: str = "") -> str:
    """Vertical bars per area class with each class's target as a dashed line across its bar."""
    width, height = 640, 320
    left, right, top, bottom = 48, 16, 48, 74
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for b in bars for v in (b.value, b.target, b.projection) if v is not None]
    ticks = _ticks(max(values, default=1.0) * 1.1)
    y_max = ticks[-1]

    def y(v: float) -> float:
        return top + plot_h * (1 - v / y_max)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="16" font-weight="bold">{escape(title)}</text>',
        f'<text x="4" y="{top - 12}" fill="{NEUTRAL}">{escape(unit)}</text>',
    ]
    for t in ticks:
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="{GRID}"/>')
        out.append(f'<text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end" fill="{NEUTRAL}">{_num(t)}</text>')
    slot = plot_w / max(len(bars), 1)
    bar_w = slot * (0.28 if any(b.projection is not None for b in bars) else 0.45)
    marks: list[str] = []  # bars and target lines first, then every label on top of them
    labels: list[str] = []
    for i, b in enumerate(bars):
        x0 = left + slot * i + slot / 2
        colour = NEUTRAL if b.met is None else (OK if b.met else BAD)
        bx = x0 - (bar_w if b.projection is not None else bar_w / 2)
        if b.value is not None:
            marks.append(
                f'<rect x="{bx:.1f}" y="{y(b.value):.1f}" width="{bar_w:.1f}" height="{y(0) - y(b.value):.1f}" '
                f'fill="{colour}"><title>{escape(b.label)} {_num(b.value)}</title></rect>'
            )
            labels.append(
                f'<text x="{bx + bar_w / 2:.1f}" y="{y(b.value) - 4:.1f}" text-anchor="middle" {HALO}>'
                f"{_num(b.value)}</text>"
            )
        if b.projection is not None:
            px = x0
            marks.append(
                f'<rect x="{px:.1f}" y="{y(b.projection):.1f}" width="{bar_w:.1f}" '
                f'height="{y(0) - y(b.projection):.1f}" fill="none" stroke="{colour}" stroke-width="2" '
                f'stroke-dasharray="4 2"><title>{escape(projection_label)} {_num(b.projection)}</title></rect>'
            )
            labels.append(
                f'<text x="{px + bar_w / 2:.1f}" y="{y(b.projection) - 4:.1f}" text-anchor="middle" '
                f'fill="{NEUTRAL}" {HALO}>{_num(b.projection)}</text>'
            )
        if b.target is not None:
            ty = y(b.target)
            marks.append(
                f'<line x1="{x0 - slot * 0.42:.1f}" x2="{x0 + slot * 0.42:.1f}" y1="{ty:.1f}" y2="{ty:.1f}" '
                f'stroke="{TARGET}" stroke-width="2" stroke-dasharray="6 3"/>'
            )
            labels.append(
                # Left of the bars, on the line: never under the bars' own value labels.
                f'<text x="{bx - 4:.1f}" y="{ty - 4:.1f}" text-anchor="end" fill="{TARGET}" {HALO}>'
                f"{escape(target_label)} {_num(b.target)}</text>"
            )
        labels.append(f'<text x="{x0:.1f}" y="{height - bottom + 18}" text-anchor="middle">{escape(b.label)}</text>')
        if b.verdict:
            labels.append(
                f'<text x="{x0:.1f}" y="{height - bottom + 36}" text-anchor="middle" font-weight="bold" '
                f'fill="{colour}">{escape(b.verdict)}</text>'
            )
    out += marks + labels
    legend_y = height - 6
    if any(b.target is not None for b in bars):
        out.append(
            f'<line x1="{left}" x2="{left + 24}" y1="{legend_y - 4}" y2="{legend_y - 4}" stroke="{TARGET}" '
            'stroke-width="2" stroke-dasharray="6 3"/>'
        )
        out.append(f'<text x="{left + 30}" y="{legend_y}">{escape(target_label)}</text>')
    if projection_label:
        lx = left + 140
        out.append(
            f'<rect x="{lx}" y="{legend_y - 10}" width="14" height="10" fill="none" stroke="{NEUTRAL}" '
            'stroke-width="2" stroke-dasharray="4 2"/>'
        )
        out.append(f'<text x="{lx + 20}" y="{legend_y}">{escape(projection_label)}</text>')
    out.append("</svg>")
    return "".join(out)


def monthly_bars(
    values: Sequence[float | None],
    *,
    title: str,
    month_labels: Sequence[str],
    budget: float | None,
    budget_label: str,
    y_max: float,
) -> str:
    """A small chart of one area class: SAIDI per month as bars, and the monthly share of the annual
    target (target / 12) as a dashed line; months above it are drawn hatched-dark and labelled."""
    width, height = 300, 150
    left, right, top, bottom = 30, 8, 22, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = _ticks(max(y_max, budget or 0, 0.01) * 1.05)
    top_value = ticks[-1]

    def y(v: float) -> float:
        return top + plot_h * (1 - v / top_value)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart small" font-size="10">',
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="12" font-weight="bold" font-size="12">{escape(title)}</text>',
    ]
    for t in (ticks[0], ticks[len(ticks) // 2], ticks[-1]):
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="{GRID}"/>')
        out.append(f'<text x="{left - 3}" y="{y(t) + 3:.1f}" text-anchor="end" fill="{NEUTRAL}">{_num(t)}</text>')
    slot = plot_w / 12
    for i in range(12):
        x = left + slot * i
        v = values[i] if i < len(values) else None
        if v is not None:
            above = budget is not None and v > budget
            out.append(
                f'<rect x="{x + slot * 0.15:.1f}" y="{y(v):.1f}" width="{slot * 0.7:.1f}" height="{y(0) - y(v):.1f}" '
                f'fill="{BAD if above else NEUTRAL}"><title>{escape(month_labels[i])} {_num(v)}</title></rect>'
            )
            if above:
                out.append(
                    f'<text x="{x + slot / 2:.1f}" y="{y(v) - 2:.1f}" text-anchor="middle" fill="{BAD}">▲</text>'
                )
        out.append(
            f'<text x="{x + slot / 2:.1f}" y="{height - 8}" text-anchor="middle" fill="{NEUTRAL}">{i + 1}</text>'
        )
    if budget is not None:
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(budget):.1f}" y2="{y(budget):.1f}" stroke="{TARGET}" '
            f'stroke-dasharray="5 3"><title>{escape(budget_label)} {_num(budget)}</title></line>'
        )
    out.append("</svg>")
    return "".join(out)
