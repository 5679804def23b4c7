"""The results circular as a Word document: the figures of the 通报 page, headed with the 文号
and signed with the 落款 the county office set for the program year (CircularIssue)."""

from django.http import Http404
from django.urls import reverse

from assessments import permissions, selectors
from assessments.choices import Grade
from assessments.documents import CIRCULAR
from assessments.excel import circular_title
from assessments.results_views import _circular_stats, _year
from pilot_admin.documents.views import IssueDocumentView
from villages.selectors import program_for_code

DEFAULT_ADDRESSEES = "各乡镇人民政府，县直有关部门"


def _place(row) -> str:
    return f"{row.pilot.village.township.name}{row.pilot.village.name}"


def circular_context(*, user, program, year: int) -> dict:
    """What the 通报 page shows, as the document's values: the same selectors, the same rows."""
    rows = list(selectors.ranking(user=user, program=program, year=year))
    stats = _circular_stats(user, program, year)
    commended = [row for row in rows if row.grade == Grade.EXCELLENT]
    failed = [row for row in rows if row.grade == Grade.FAIL]
    return {
        "title": circular_title(program, year),
        "program_name": program.name,
        "year": year,
        "inspected": stats.inspected,
        "mean_total": stats.mean_total,
        "excellent": stats.excellent,
        "passed": stats.passed,
        "fail": stats.fail,
        "commended": (
            f"以下{len(commended)}个村检查验收等次为优秀，予以通报表扬："
            + "、".join(f"{_place(row)}（{row.total}分）" for row in commended)
            + "。"
            if commended
            else "本年度没有等次为优秀的村。"
        ),
        "failed_text": (
            f"以下{len(failed)}个村检查验收等次为不合格，予以通报，须在整改期限内完成整改并接受复查："
            if failed
            else "本年度没有等次为不合格的村。"
        ),
        "failed": [
            {
                "township": row.pilot.village.township.name,
                "village": row.pilot.village.name,
                "total": row.total,
                "rectifications": row.rectification_count,
                "open": row.open_rectifications,
            }
            for row in failed
        ],
        "ranking": [
            {
                "rank": row.rank,
                "township": row.pilot.village.township.name,
                "village": row.pilot.village.name,
                "total": row.total,
                "grade": row.get_grade_display(),
            }
            for row in rows
        ],
    }


class CircularDocumentView(IssueDocumentView):
    """通报 (.docx) for `?program=<code>&year=<YYYY>`; the form starts from the 文号 and 落款
    set on the 通报 page, so the Word file and the printed page carry the same ones."""

    access = staticmethod(permissions.can_view_assessments)
    kind_key = CIRCULAR.key

    def load(self, request, *args, **kwargs):
        program = program_for_code(user=request.user, code=request.GET.get("program"))
        if program is None:
            raise Http404("没有可用的试点项目。")
        self.program = program
        self.year = _year(request.GET.get("year"), program, request.user)
        self.issue = selectors.circular_issue(user=request.user, program=program, year=self.year)
        return program

    def county(self):
        return self.program.county

    def initial(self) -> dict:
        if self.issue is None:
            return super().initial()
        return {
            "document_number": self.issue.number,
            "issuing_office": self.issue.issuer,
            "issue_date": self.issue.issued_on,
        }

    def describe(self) -> str:
        stats = _circular_stats(self.request.user, self.program, self.year)
        described = f"{circular_title(self.program, self.year)}：已确认检查验收结果的试点村 {stats.inspected} 个。"
        if self.issue is None:
            described += "通报页还没有设置文号和落款，请在下面填写。"
        return described

    def year_choices(self) -> list[int]:
        return list(self.program.years)

    def hidden_fields(self) -> dict:
        return {"program": self.program.code, "year": self.year}

    def back_url(self) -> str:
        return f"{reverse('assessments:circular')}?program={self.program.code}&year={self.year}"

    def document_context(self, head: dict) -> dict:
        context = circular_context(user=self.request.user, program=self.program, year=self.year)
        context["addressees"] = (self.issue.addressees if self.issue else "") or DEFAULT_ADDRESSEES
        return context

    def filename(self, head: dict) -> str:
        return f"{self.program.county.name}{self.year}年试点村检查验收结果通报.docx"
