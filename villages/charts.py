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
