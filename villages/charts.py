"""Geometry of the inline-SVG quota chart, drawn on the server: no script, no CDN, prints."""

from dataclasses import dataclass

BAR_HEIGHT = 18
ROW_GAP = 8
LABEL_WIDTH = 90
PLOT_WIDTH = 420
TOP = 24


@dataclass
class Bar:
    label: str
    value: int
    required: int
    met: bool
    y: int
    width: float
    required_x: float
    text_y: int


def quota_chart(report) -> dict:
    """One bar per township: this year's approved pilots, with a tick at the required number."""
    rows = report.townships
    scale_max = max([1] + [max(row.new_pilots, row.required_new_pilots) for row in rows])
    unit = PLOT_WIDTH / scale_max
    bars = []
    for index, row in enumerate(rows):
        y = TOP + index * (BAR_HEIGHT + ROW_GAP)
        bars.append(
            Bar(
                label=row.name,
                value=row.new_pilots,
                required=row.required_new_pilots,
                met=row.meets_quota,
                y=y,
                width=round(row.new_pilots * unit, 1),
                required_x=round(LABEL_WIDTH + row.required_new_pilots * unit, 1),
                text_y=y + BAR_HEIGHT - 4,
            )
        )
    return {
        "bars": bars,
        "label_width": LABEL_WIDTH,
        "plot_width": PLOT_WIDTH,
        "width": LABEL_WIDTH + PLOT_WIDTH + 60,
        "height": TOP + len(rows) * (BAR_HEIGHT + ROW_GAP) + 10,
        "bar_height": BAR_HEIGHT,
        "scale_max": scale_max,
    }
