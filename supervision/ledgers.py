"""The committees' Excel ledgers in the county's paper layout (issue 17): the committee roster
(监委会成员花名册) and the meeting and expense-review ledger (会议与票据复核台账), one row per
committee and month. Written through the project's export framework (pilot_admin/excel), so
every download is audited and formula-like text stays text.

Birth dates and ID numbers are not in the roster: it is the sheet a township posts and hands
on, so a member's age stands where the paper form has 出生年月."""

import datetime

from django.db.models import Prefetch
from django.utils import timezone

from pilot_admin import idnumbers
from pilot_admin.excel import ExportColumn
from supervision.choices import CommitteeStatus
from supervision.models import Committee, CommitteeMember, ExpenseReview, Meeting


def _age(member, today) -> int | str:
    return idnumbers.age_on(member.birth_date, today) if member.birth_date else ""


def roster_columns(today: datetime.date) -> tuple[ExportColumn, ...]:
    return (
        ExportColumn("乡镇", lambda m: m.committee.village.township.name),
        ExportColumn("村（居）", lambda m: m.committee.village.name),
        ExportColumn("任期", lambda m: f"{m.committee.term_start:%Y.%m}—{m.committee.term_end:%Y.%m}", width=16),
        ExportColumn("姓名", lambda m: m.name, width=10),
        ExportColumn("性别", lambda m: m.get_gender_display(), width=6),
        ExportColumn("年龄", lambda m: _age(m, today), width=6),
        ExportColumn("政治面貌", lambda m: "中共党员" if m.is_party_member else "群众", width=10),
        ExportColumn("职务", lambda m: m.get_role_display(), width=8),
        ExportColumn("所在小组", lambda m: m.get_subgroup_display(), width=20),
        ExportColumn("当选日期", lambda m: m.elected_on, width=12, number_format="yyyy-mm-dd"),
        ExportColumn("试点村", lambda m: m.committee.is_pilot, width=8),
        ExportColumn("状态", lambda m: "在任" if m.removed_on is None else "已撤换", width=8),
        ExportColumn("撤换日期", lambda m: m.removed_on, width=12, number_format="yyyy-mm-dd"),
        ExportColumn("撤换原因", lambda m: m.removal_reason, width=24),
    )


def roster_members(*, user):
    """Members of the committees in office and being elected that `user` sees, chair first."""
    return (
        CommitteeMember.objects.visible_to(user)
        .filter(committee__status__in=[CommitteeStatus.ACTIVE, CommitteeStatus.ELECTING])
        .select_related("committee__village__township")
        .order_by("committee__village__township__name", "committee__village__name", "role", "name", "id")
    )


LEDGER_COLUMNS = (
    ExportColumn("乡镇", lambda r: r["township"]),
    ExportColumn("村（居）", lambda r: r["village"]),
    ExportColumn("月份", lambda r: r["month"], width=10),
    ExportColumn("会议次数", lambda r: r["meetings"], width=8),
    ExportColumn("会议日期", lambda r: r["meeting_dates"], width=16),
    ExportColumn("议题", lambda r: r["matters"], width=36),
    ExportColumn("复核期间", lambda r: r["review_period"], width=12),
    ExportColumn("复核日期", lambda r: r["reviewed_on"], width=12, number_format="yyyy-mm-dd"),
    ExportColumn("复核票据（张）", lambda r: r["vouchers_reviewed"], width=10),
    ExportColumn("盖章（张）", lambda r: r["vouchers_stamped"], width=10),
    ExportColumn("退回（张）", lambda r: r["vouchers_refused"], width=10),
    ExportColumn("退回原因", lambda r: r["refusal_reasons"], width=30),
)


def ledger_rows(*, user, year: int, today: datetime.date | None = None) -> list[dict]:
    """One row per committee in office during `year` and month of the year up to today, with
    its meetings and the review of the period starting that month. Three queries."""
    today = today or timezone.localdate()
    first, last = datetime.date(year, 1, 1), min(datetime.date(year, 12, 31), today)
    committees = (
        Committee.objects.visible_to(user)
        .filter(established_on__isnull=False, established_on__lte=last, term_end__gte=first)
        .exclude(dissolved_on__lt=first)
        .select_related("village__township")
        .prefetch_related(
            Prefetch(
                "meetings",
                queryset=Meeting.objects.filter(held_on__gte=first, held_on__lte=last).order_by("held_on", "id"),
                to_attr="year_meetings",
            ),
            Prefetch(
                "expense_reviews",
                queryset=ExpenseReview.objects.filter(period_start__gte=first, period_start__lte=last).prefetch_related(
                    "refusals"
                ),
                to_attr="year_reviews",
            ),
        )
        .order_by("village__township__name", "village__name", "term_start")
    )
    rows = []
    for committee in committees:
        reviews = {review.period_start: review for review in committee.year_reviews}
        start = max(first, committee.established_on.replace(day=1))
        end = min(last, committee.term_end, committee.dissolved_on or last)
        for month_number in range(start.month if start.year == year else 1, end.month + 1):
            month = datetime.date(year, month_number, 1)
            meetings = [m for m in committee.year_meetings if (m.held_on.year, m.held_on.month) == (year, month_number)]
            review = reviews.get(month)
            rows.append(
                {
                    "township": committee.village.township.name,
                    "village": committee.village.name,
                    "month": f"{month:%Y-%m}",
                    "meetings": len(meetings),
                    "meeting_dates": "、".join(f"{m.held_on:%m-%d}" for m in meetings) or "未开会",
                    "matters": "；".join(m.matters for m in meetings),
                    "review_period": review.get_interval_display() if review else "",
                    "reviewed_on": review.reviewed_on if review else None,
                    "vouchers_reviewed": review.vouchers_reviewed if review else None,
                    "vouchers_stamped": review.vouchers_stamped if review else None,
                    "vouchers_refused": review.vouchers_refused if review else None,
                    "refusal_reasons": "；".join(f"{r.voucher}：{r.reason}" for r in review.refusals.all())
                    if review
                    else "",
                }
            )
    return rows
