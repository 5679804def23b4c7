"""The ledger's rows are written in Python (tasks.views.ledger_row) for speed; each must be exactly
what the row template it replaced wrote."""

import pytest
from django.template import engines

from tasks.views import ledger_row

# tasks/ledger.html's row before ledger_row wrote it.
TEMPLATE_ROW = """
    <tr data-task="{{ row.task__code }}" data-unit="{{ row.department__name }}">
      <td data-label="编号" class="nowrap">{{ row.task__code }}</td>
      <td data-label="任务名称"><a href="{{ row.url }}">{{ row.task__title }}</a>{% if row.closed_out %} <span class="badge ok">已销号</span>{% endif %}</td>
      <td data-label="单位">{{ row.department__name }}</td>
      <td data-label="职责">{{ row.role_display }}</td>
      <td data-label="期次">{{ row.period_label }}</td>
      <td data-label="截止日" class="nowrap">{{ row.period_due }}</td>
      <td data-label="状态">{% if row.report_url %}<a href="{{ row.report_url }}"><span class="badge {{ row.badge }}">{{ row.status_label }}</span></a>{% if row.report_period is not None %} <span class="muted">{{ row.report_period }}</span>{% endif %}{% else %}<span class="badge {{ row.badge }}">{{ row.status_label }}</span>{% endif %}</td>
      <td data-label="进度" class="num">{{ row.percent }}</td>
      <td data-label="提交时间" class="nowrap">{{ row.submitted }}</td>
      <td data-label="逾期天数" class="num">{% if row.days_overdue is not None %}<span class="badge bad">{{ row.days_overdue }}</span>{% else %}—{% endif %}</td>
    </tr>
  """  # noqa: E501

UNREPORTED = {
    "task__code": "R-A<1>",
    "task__title": '建立 "台账" & 销号',
    "department__name": "县民政局",
    "url": "/tasks/3/",
    "closed_out": False,
    "role_display": "牵头",
    "period_label": "—",
    "period_due": "—",
    "report_url": None,
    "badge": "muted",
    "status_label": "未报送",
    "percent": "—",
    "submitted": "—",
    "days_overdue": None,
}
REPORTED = {
    **UNREPORTED,
    "closed_out": True,
    "period_label": "2019年第3期",
    "period_due": "2019-06-30",
    "report_url": "/tasks/reports/9/",
    "badge": "bad",
    "status_label": "已退回",
    "report_period": "2019年第2期",
    "percent": "40%",
    "submitted": "2019-05-02 09:30",
    "days_overdue": 12,
}


@pytest.mark.parametrize("row", [UNREPORTED, REPORTED, {**REPORTED, "report_period": None, "days_overdue": 0}])
def test_the_row_is_what_the_template_wrote(row):
    expected = engines["django"].from_string(TEMPLATE_ROW).render({"row": row})
    assert ledger_row(row) == expected
    assert "R-A&lt;1&gt;" in expected
