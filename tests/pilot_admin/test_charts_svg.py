"""The bar chart's <svg> is written in Python (pilot_admin.charts.BarChart.svg) for speed; it must
write exactly what the template it replaced wrote."""

import pytest
from django.template import engines

from pilot_admin.charts import ChartRow, bar_chart

# templates/includes/bar_chart.html's <svg> before BarChart.svg wrote it.
TEMPLATE_SVG = """<svg class="chart" role="img" aria-labelledby="{{ chart.chart_id }}-title" viewBox="0 0 {{ chart.width }} {{ chart.height }}" width="{{ chart.width }}" height="{{ chart.height }}">
  <title id="{{ chart.chart_id }}-title">{{ chart.title }}{% if chart.table %}；数据见图下表格{% else %}；数据见下表{% endif %}</title>
  <text x="{{ chart.label_width }}" y="14" aria-hidden="true">0</text><text x="{{ chart.axis_end_x }}" y="14" text-anchor="end" aria-hidden="true">{{ chart.scale_text }}</text>
  {% for bar in chart.bars %}
  <text x="{{ chart.label_x }}" y="{{ bar.text_y }}" text-anchor="end">{{ bar.label }}</text>
  <rect class="bar {{ bar.status }}" x="{{ chart.label_width }}" y="{{ bar.y }}" width="{{ bar.width }}" height="{{ chart.bar_height }}"></rect>
  {% if bar.target_x is not None %}<line class="required" x1="{{ bar.target_x }}" x2="{{ bar.target_x }}" y1="{{ bar.tick_y1 }}" y2="{{ bar.tick_y2 }}"></line>{% endif %}
  <text x="{{ bar.text_x }}" y="{{ bar.text_y }}">{{ bar.bar_text }}</text>
  {% endfor %}
</svg>"""  # noqa: E501


@pytest.mark.parametrize(
    "rows, options",
    [
        ([], {}),
        (
            [
                ChartRow(label="水布垭镇", value=3, target=2, ok=True),
                ChartRow(label="<清太坪> & 镇", value=0, target=1.5, ok=False),
                ChartRow(label="野三关镇", value=7.25, ok=None, value_text="72.5%"),
            ],
            {"table": False},
        ),
        ([ChartRow(label="甲", value=86.5), ChartRow(label="乙", value=120, target=90)], {"scale_max": 100}),
    ],
)
def test_the_svg_is_what_the_template_wrote(rows, options):
    chart = bar_chart(chart_id='c"1', title="各乡镇 <新增> & 要求", rows=rows, value_header="新增", **options)
    expected = engines["django"].from_string(TEMPLATE_SVG).render({"chart": chart})
    assert chart.svg() == expected
    assert ("&lt;清太坪&gt; &amp; 镇" in expected) == bool(rows and len(rows) == 3)
