"""The half-year and year work summaries as official documents (.docx)."""

import datetime

from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from pilot_admin.charts import percent_text
from pilot_admin.documents import chinese_date
from pilot_admin.documents.views import IssueDocumentView
from pilot_admin.params import int_param
from tasks import figures as task_figures
from tasks import permissions, selectors
from tasks.choices import ReportStatus
from tasks.documents import HALF_YEAR_SUMMARY, YEAR_SUMMARY
from villages.selectors import program_for_code


def summary_as_of(year: int, *, half: bool, today: datetime.date) -> datetime.date:
    """The summary's reference date: the period's last day once it is over, else today."""
    return min(datetime.date(year, 6, 30) if half else datetime.date(year, 12, 31), today)


def summary_context(*, user, program, year: int, half: bool, today: datetime.date) -> dict:
    """The summary's figures: per unit as 报送情况 counts them up to the period's end, each
    task × unit as 任务台账 shows it today, and the year's task totals."""
    as_of = summary_as_of(year, half=half, today=today)
    units = selectors.completeness(user=user, program=program, year=year, as_of=as_of)
    totals = selectors.completeness_totals(units)
    tasks = selectors.task_totals(user=user, program=program, year=year, as_of=as_of)
    ledger = selectors.ledger_rows(user=user, today=today).filter(task__program=program)
    return {
        "program_name": program.name,
        "year": year,
        "period_name": "上半年" if half else "全年",
        "as_of": chinese_date(as_of),
        "ledger_date": chinese_date(today),
        "task_count": tasks["running"],
        "closed_out": tasks["closed_out"],
        "overdue": tasks["overdue"],
        "expected": totals.expected,
        "received": totals.received,
        "on_time": totals.on_time,
        "completeness": percent_text(totals.completeness, 1),
        "timeliness": percent_text(totals.timeliness, 1),
        "units": [
            {
                "index": index,
                "unit": row.unit,
                "expected": row.expected,
                "received": row.received,
                "on_time": row.on_time,
                "completeness": percent_text(row.completeness, 1),
                "timeliness": percent_text(row.timeliness, 1),
            }
            for index, row in enumerate(units, start=1)
        ],
        "tasks": [
            {
                "code": row.task.code,
                "task": row.task.title,
                "unit": row.department.name,
                "period": row.period_label or "—",
                "status": ReportStatus(row.report_status).label if row.report_status else "未报",
                "percent": f"{row.report_percent}%" if row.report_percent is not None else "—",
                "figures": task_figures.text(row.task.figures.all(), row.report_figures),
                "days_overdue": row.days_overdue.days if row.days_overdue is not None else "—",
            }
            for row in ledger
        ],
    }


class TaskSummaryDocumentView(IssueDocumentView):
    """任务年度 / 半年工作总结 for `?program=<code>&year=<YYYY>&half=1`."""

    access = staticmethod(permissions.can_view_tasks)

    def load(self, request, *args, **kwargs):
        program = program_for_code(user=request.user, code=request.GET.get("program"))
        if program is None:
            raise Http404("没有可用的试点项目。")
        today = timezone.localdate()
        year = int_param(request.GET.get("year"), program.default_year(today))
        if year not in program.years or year > today.year:
            raise Http404("该试点项目没有这一年度，或年度尚未开始。")
        self.program, self.year = program, year
        return program

    def get(self, request, *args, **kwargs):
        # The kind depends on the query (half year or year), known once the subject is loaded.
        self.half = request.GET.get("half") == "1"
        self.kind_key = (HALF_YEAR_SUMMARY if self.half else YEAR_SUMMARY).key
        return super().get(request, *args, **kwargs)

    def county(self):
        return self.program.county

    def describe(self) -> str:
        period = "上半年（1月1日至6月30日）" if self.half else "全年"
        return f"{self.program.name}：{self.year}年{period}的任务推进、各单位报送情况和任务台账。"

    def year_choices(self) -> list[int]:
        return [year for year in self.program.years if year <= timezone.localdate().year]

    def hidden_fields(self) -> dict:
        fields = {"program": self.program.code, "year": self.year}
        if self.half:
            fields["half"] = "1"
        return fields

    def back_url(self) -> str:
        return reverse("tasks:completeness") + f"?program={self.program.code}&year={self.year}"

    def document_context(self, head: dict) -> dict:
        return summary_context(
            user=self.request.user, program=self.program, year=self.year, half=self.half, today=timezone.localdate()
        )

    def filename(self, head: dict) -> str:
        period = "上半年" if self.half else "年度"
        return f"{self.program.name}{self.year}年{period}工作总结.docx"
