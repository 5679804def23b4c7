"""The acceptance notice: a year's accepted pilots as an official document (.docx)."""

from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from pilot_admin.documents.views import IssueDocumentView
from pilot_admin.params import int_param
from villages import permissions, selectors
from villages.documents import ACCEPTANCE_NOTICE


def acceptance_context(*, user, program, year: int) -> dict:
    """The notice's figures: each pilot as the pilot ledger shows it."""
    pilots = list(selectors.pilots_accepted_in(user=user, program=program, year=year))
    return {
        "program_name": program.name,
        "year": year,
        "pilot_count": len(pilots),
        "pilots": [
            {
                "index": index,
                "township": pilot.village.township.name,
                "village": pilot.village.name,
                "batch": f"{pilot.year}年",
                "level": pilot.get_level_display(),
                "accepted_on": f"{pilot.accepted_on:%Y-%m-%d}",
                "document_no": pilot.acceptance_document_no,
            }
            for index, pilot in enumerate(pilots, start=1)
        ],
    }


class AcceptanceNoticeView(IssueDocumentView):
    """试点村验收通知 for `?program=<code>&year=<YYYY>` (default: the newest program, this year)."""

    access = staticmethod(permissions.can_view_villages)
    kind_key = ACCEPTANCE_NOTICE.key

    def load(self, request, *args, **kwargs):
        program = selectors.program_for_code(user=request.user, code=request.GET.get("program"))
        if program is None:
            raise Http404("没有可用的试点项目。")
        self.program = program
        self.year = int_param(request.GET.get("year"), timezone.localdate().year)
        return program

    def county(self):
        return self.program.county

    def describe(self) -> str:
        count = selectors.pilots_accepted_in(user=self.request.user, program=self.program, year=self.year).count()
        return f"{self.program.name}：{self.year}年验收的试点村共 {count} 个。"

    def year_choices(self) -> list[int]:
        # A pilot may be accepted after its program's last year.
        return list(range(self.program.start_year, max(self.program.end_year, timezone.localdate().year) + 1))

    def hidden_fields(self) -> dict:
        return {"program": self.program.code, "year": self.year}

    def back_url(self) -> str:
        return reverse("villages:pilot_list")

    def document_context(self, head: dict) -> dict:
        return acceptance_context(user=self.request.user, program=self.program, year=self.year)

    def filename(self, head: dict) -> str:
        return f"{self.program.county.name}{self.year}年试点村验收通知.docx"
