"""Downloads of the committees' ledgers (supervision/ledgers.py): the roster and the meeting and
expense-review ledger of a year, for whoever reads the committees, scoped by visible_to."""

from django.utils import timezone
from django.views import View

from pilot_admin.excel import export_response, stream, values_of
from pilot_admin.scoping import ScopedViewMixin
from supervision import ledgers, permissions


class RosterExportView(ScopedViewMixin, View):
    access = staticmethod(permissions.can_view_supervision)

    def get(self, request):
        today = timezone.localdate()
        columns = ledgers.roster_columns(today)
        return export_response(
            filename=f"监委会成员花名册_{today:%Y%m%d}.xlsx",
            columns=columns,
            rows=values_of(columns, stream(ledgers.roster_members(user=request.user))),
            sheet_title="成员花名册",
            title=f"村务监督委员会成员花名册（截至{today:%Y年%-m月%-d日}）",
        )


class WorkLedgerExportView(ScopedViewMixin, View):
    access = staticmethod(permissions.can_view_supervision)

    def get(self, request):
        today = timezone.localdate()
        raw = request.GET.get("year", "")
        # A bad or future year falls back to this year: a download link never errors.
        year = int(raw) if raw.isascii() and raw.isdigit() and 2000 <= int(raw) <= today.year else today.year
        rows = ledgers.ledger_rows(user=request.user, year=year, today=today)
        return export_response(
            filename=f"监委会会议与票据复核台账_{year}.xlsx",
            columns=ledgers.LEDGER_COLUMNS,
            rows=values_of(ledgers.LEDGER_COLUMNS, rows),
            sheet_title="会议与票据复核台账",
            title=f"村务监督委员会会议与票据复核台账（{year}年）",
        )
