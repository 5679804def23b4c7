"""Excel exports of the list pages: the same selector and FilterSet as the page, so the file
holds exactly the rows the page shows (all of them, not one page)."""

from django.http import Http404
from django.utils import timezone
from django.views import View

from pilot_admin.excel import export_response, stream, values_of
from pilot_admin.lists import filtered
from pilot_admin.params import int_param
from pilot_admin.scoping import ScopedViewMixin
from villages import permissions, selectors
from villages.excel import PILOT_EXPORT_COLUMNS, QUOTA_EXPORT_COLUMNS, VILLAGE_EXPORT_COLUMNS, quota_total_rows
from villages.filters import PilotAssignmentFilterSet, VillageFilterSet


def _today() -> str:
    return timezone.localdate().strftime("%Y%m%d")


class VillageExportView(ScopedViewMixin, View):
    access = staticmethod(permissions.can_view_villages)

    def get(self, request):
        _, villages = filtered(VillageFilterSet, request, selectors.village_list(user=request.user))
        return export_response(
            filename=f"村名单_{_today()}.xlsx",
            sheet_title="村",
            columns=VILLAGE_EXPORT_COLUMNS,
            rows=values_of(VILLAGE_EXPORT_COLUMNS, stream(villages)),
        )


class PilotExportView(ScopedViewMixin, View):
    access = staticmethod(permissions.can_view_villages)

    def get(self, request):
        _, pilots = filtered(PilotAssignmentFilterSet, request, selectors.pilot_assignment_list(user=request.user))
        return export_response(
            filename=f"试点村台账_{_today()}.xlsx",
            sheet_title="试点村台账",
            columns=PILOT_EXPORT_COLUMNS,
            rows=values_of(PILOT_EXPORT_COLUMNS, stream(pilots)),
        )


class QuotaExportView(ScopedViewMixin, View):
    """The quota report as the page computes it (pilot_quota_stats), for the same program and
    year the page would show."""

    access = staticmethod(permissions.can_view_quota_report)

    def get(self, request):
        program = selectors.program_for_code(user=request.user, code=request.GET.get("program"))
        if program is None:
            raise Http404("没有可用的试点项目。")
        default_year = program.default_year(timezone.localdate())
        year = int_param(request.GET.get("year"), default_year)
        if year not in program.years:
            year = default_year
        report = selectors.pilot_quota_stats(user=request.user, program=program, year=year)
        return export_response(
            filename=f"试点比例达标情况_{year}年.xlsx",
            sheet_title=f"{year}年达标情况",
            title=f"{program.name} · {year}年试点比例达标情况",
            columns=QUOTA_EXPORT_COLUMNS,
            rows=values_of(QUOTA_EXPORT_COLUMNS, report.townships),
            footer=quota_total_rows(report),
        )
