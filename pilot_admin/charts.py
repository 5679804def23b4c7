"""Horizontal bar charts as inline SVG, laid out on the server: no script, no CDN, they print,
and `templates/includes/bar_chart.html` gives each one a title for screen readers and a data
table behind it.

Use::

    chart = bar_chart(
        chart_id="quota-chart",
        title="各乡镇本年新增试点村数与最低要求（竖线）",
        rows=[ChartRow(label=t.name, value=t.new_pilots, target=t.required_new_pilots, ok=t.meets_quota)
              for t in report.townships],
        value_header="本年新增",
        target_header="最低要求",
    )
    {% include "includes/bar_chart.html" with chart=chart %}

A row with a `target` gets a tick at the target and the label `value/target`; `ok` colours the
bar (True green, False red, None neutral). `scale_max` fixes the axis (100 for scores and
percentages); by default it is the largest value or target.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR_HEIGHT = 18
ROW_GAP = 8
LABEL_WIDTH = 90
PLOT_WIDTH = 420
VALUE_WIDTH = 60
TOP = 24


@dataclass(frozen=True)
class ChartRow:
    label: str
    value: float
    target: float | None = None
    ok: bool | None = None
    # How the value is written beside the bar and in the table (e.g. "86.5" or "75%").
    value_text: str = ""
    href: str = ""


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    value_text: str
    # Written beside the bar: the value, or "value/target".
    bar_text: str
    target: float | None
    target_text: str
    status: str
    y: int
    width: float
    target_x: float | None
    text_x: float
    text_y: int
    href: str
    # The target tick's ends, a little above and below the bar.
    tick_y1: int = 0
    tick_y2: int = 0


@dataclass(frozen=True)
class BarChart:
    chart_id: str
    title: str
    bars: list[Bar]
    value_header: str
    target_header: str
    scale_max: float
    # False where the page already shows the same numbers in a visible table.
    table: bool = True
    label_width: int = LABEL_WIDTH
    plot_width: int = PLOT_WIDTH
    bar_height: int = BAR_HEIGHT
    width: int = field(default=LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH)
    height: int = TOP

    @property
    def label_x(self) -> int:
        """Where the labels end, right-aligned just before the bars."""
        return self.label_width - 6

    @property
    def axis_end_x(self) -> int:
        return self.label_width + self.plot_width

    @property
    def scale_text(self) -> str:
        return _number(self.scale_max)

    def svg(self) -> SafeString:
        """The chart's <svg>, written in Python (bar_chart.html shows it): through the template
        engine its dozen variables per bar cost a page with a township chart more than its table
        (tests/pilot_admin/test_charts_svg.py compares the two writings)."""
        chart_id = escape(self.chart_id)
        note = "；数据见图下表格" if self.table else "；数据见下表"
        parts = [
            f'<svg class="chart" role="img" aria-labelledby="{chart_id}-title" viewBox="0 0 {self.width} '
            f'{self.height}" width="{self.width}" height="{self.height}">\n'
            f'  <title id="{chart_id}-title">{escape(self.title)}{note}</title>\n'
            f'  <text x="{self.label_width}" y="14" aria-hidden="true">0</text><text x="{self.axis_end_x}" y="14" '
            f'text-anchor="end" aria-hidden="true">{escape(self.scale_text)}</text>\n  '
        ]
        for bar in self.bars:
            tick = (
                f'<line class="required" x1="{bar.target_x}" x2="{bar.target_x}" y1="{bar.tick_y1}" '
                f'y2="{bar.tick_y2}"></line>'
                if bar.target_x is not None
                else ""
            )
            parts.append(
                f'\n  <text x="{self.label_x}" y="{bar.text_y}" text-anchor="end">{escape(bar.label)}</text>\n'
                f'  <rect class="bar {escape(bar.status)}" x="{self.label_width}" y="{bar.y}" width="{bar.width}" '
                f'height="{self.bar_height}"></rect>\n'
                f"  {tick}\n"
                f'  <text x="{bar.text_x}" y="{bar.text_y}">{escape(bar.bar_text)}</text>\n  '
            )
        parts.append("\n</svg>")
        return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped, the rest are numbers


def percent_text(share: float | None, places: int = 0) -> str:
    """A share (0.125) as a percentage for people ("13%"), rounded half up as they learnt at
    school. Every chart and the table beside it write percentages through this one function: a
    float formatted with "{:.0f}" rounds half to even (12.5 → "12") while the template filter
    floatformat rounds half up ("13"), and one page showed both. The share goes through its
    decimal text, so 0.145 is 14.5 (→ 15), not the float 14.499….
    """
    percent = Decimal(str(share or 0)) * 100
    return f"{percent.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)}%"


def _number(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.1f}"


def bar_chart(
    *,
    chart_id: str,
    title: str,
    rows: Iterable[ChartRow],
    value_header: str,
    target_header: str = "",
    scale_max: float | None = None,
    table: bool = True,
) -> BarChart:
    """The geometry of one bar per row, top to bottom in the given order."""
    rows = list(rows)
    largest = max([1.0] + [float(max(row.value or 0, row.target or 0)) for row in rows])
    scale = float(scale_max) if scale_max else largest
    unit = PLOT_WIDTH / scale
    bars = []
    for index, row in enumerate(rows):
        y = TOP + index * (BAR_HEIGHT + ROW_GAP)
        value = float(row.value or 0)
        width = round(min(value, scale) * unit, 1)
        target_x = None if row.target is None else round(LABEL_WIDTH + min(float(row.target), scale) * unit, 1)
        value_text = row.value_text or _number(value)
        bars.append(
            Bar(
                label=row.label,
                value=value,
                value_text=value_text,
                bar_text=value_text if row.target is None else f"{value_text}/{_number(row.target)}",
                target=row.target,
                target_text="" if row.target is None else _number(row.target),
                status={True: "met", False: "short"}.get(row.ok, "neutral"),
                y=y,
                width=width,
                target_x=target_x,
                text_x=round(max(LABEL_WIDTH + width, target_x or 0) + 6, 1),
                text_y=y + BAR_HEIGHT - 4,
                href=row.href,
                tick_y1=y - 2,
                tick_y2=y + BAR_HEIGHT + 2,
            )
        )
    return BarChart(
        chart_id=chart_id,
        title=title,
        bars=bars,
        value_header=value_header,
        target_header=target_header,
        scale_max=scale,
        table=table,
        height=TOP + len(rows) * (BAR_HEIGHT + ROW_GAP) + 10,
    )
