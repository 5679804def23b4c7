"""What a township owes for its supervision committees on a day: the re-election of a committee
whose term ends within the county's warning days or has ended (R-J4), this month's meeting
(R-J14) and this period's expense review (R-J11) not yet recorded. The township workspace lists
them and the reminders (supervision/reminders.py) send them; both read the definitions of
supervision/statistics.py (in office, owes a meeting, owes a review), so the dashboard's "due"
and "overdue" and the to-do list cannot disagree.

Two queries whatever the number of committees: the county policies, then the committees."""

import calendar
import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from supervision import statistics
from supervision.choices import ReviewInterval
from supervision.models import Committee, ExpenseReview, Meeting, SupervisionPolicy

TERM, MEETING, REVIEW = "term", "meeting", "review"


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def period_end(start: datetime.date, interval: str) -> datetime.date:
    if interval == ReviewInterval.QUARTERLY:
        return month_end(datetime.date(start.year, start.month + 2, 1))
    return month_end(start)


@dataclass(frozen=True)
class Owed:
    committee: Committee
    kind: str  # TERM, MEETING or REVIEW
    due_date: datetime.date
    # The month (MEETING), the review period's first day (REVIEW) or the term's end (TERM): the
    # reminder's key, so each is sent once.
    period: datetime.date
    interval: str = ReviewInterval.MONTHLY


def owed(committees, today: datetime.date) -> list[Owed]:
    """Obligations of `committees` (a queryset, already scoped) on `today`, by due date."""
    month = today.replace(day=1)
    policies = {
        row["county_id"]: row
        for row in SupervisionPolicy.objects.filter(county__in=committees.values("village__township__county")).values(
            "county_id", "term_warning_days", "expense_review_interval"
        )
    }
    quarter = statistics.quarter_start(month)
    rows = (
        statistics.with_succession(committees, today)
        .filter(statistics.in_office_q(today))
        .annotate(
            met=Exists(Meeting.objects.filter(committee=OuterRef("pk"), held_on__gte=month, held_on__lte=today)),
            reviewed_month=Exists(ExpenseReview.objects.filter(committee=OuterRef("pk"), period_start=month)),
            reviewed_quarter=Exists(ExpenseReview.objects.filter(committee=OuterRef("pk"), period_start=quarter)),
        )
        .select_related("village__township")
        .order_by("village__township__name", "village__name", "pk")
    )
    items = []
    for committee in rows:
        policy = policies.get(committee.village.township.county_id, {})
        days = policy.get("term_warning_days", statistics._DEFAULT_WARNING_DAYS)
        interval = policy.get("expense_review_interval", statistics._DEFAULT_INTERVAL)
        if committee.term_end <= today + datetime.timedelta(days=days):
            items.append(Owed(committee, TERM, committee.term_end, committee.term_end))
        if committee.term_end < month:
            continue  # past its term nothing can be recorded (services._require_active)
        if committee.established_on < month and not committee.met:
            items.append(Owed(committee, MEETING, min(month_end(month), committee.term_end), month))
        start = statistics.review_period_start(month, interval)
        done = committee.reviewed_quarter if interval == ReviewInterval.QUARTERLY else committee.reviewed_month
        if committee.established_on < start and not done:
            items.append(Owed(committee, REVIEW, min(period_end(start, interval), committee.term_end), start, interval))
    return sorted(items, key=lambda item: (item.due_date, item.kind, item.committee.pk))
