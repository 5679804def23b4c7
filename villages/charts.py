"""The quota report's chart, drawn by the shared inline-SVG bar chart (pilot_admin.charts)."""

from pilot_admin.charts import BarChart, ChartRow, bar_chart


def quota_chart(report, *, table: bool = False, chart_id: str = "quota-chart") -> BarChart:
    """One bar per township: this year's approved pilots, with a tick at the required number.
    The quota page shows the numbers in its own table; the dashboard asks for the fallback one."""
    return bar_chart(
        chart_id=chart_id,
        title=f"各乡镇{report.year}年新增试点村数与最低要求（竖线）",
        rows=[
            ChartRow(label=row.name, value=row.new_pilots, target=row.required_new_pilots, ok=row.meets_quota)
            for row in report.townships
        ],
        value_header="本年新增",
        target_header="最低要求",
        table=table,
    )


def quota_chart_bars(chart: BarChart) -> list[dict]:
    """The quota page writes its chart out (villages/quota_report.html) rather than through the
    shared include: each bar with the positions the include works out by template filters
    (the label's x, the tick's ends) already summed."""
    label_x = chart.label_width - 6
    return [
        {
            "label": bar.label,
            "status": bar.status,
            "label_x": label_x,
            "x": chart.label_width,
            "y": bar.y,
            "width": bar.width,
            "height": chart.bar_height,
            "target_x": bar.target_x,
            "y1": bar.y - 2,
            "y2": bar.y + chart.bar_height + 2,
            "text_x": bar.text_x,
            "text_y": bar.text_y,
            "bar_text": bar.bar_text,
        }
        for bar in chart.bars
    ]
