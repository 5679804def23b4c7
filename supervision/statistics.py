"""Figures of the supervision committees per township and county (issue 17): committees
established, due for re-election and overdue; pilot villages (R-J1) and roll-out coverage; the
month's meetings (R-J14) and expense reviews (R-J11) against what is due. One definition, read
by the API (/api/v1/stats/supervision/), the county dashboard, the township workspace and the
reminders.

Every figure is counted as of the month's reference date D (pilot_admin.dates.month_as_of: the
month's last day once it is over, else today) from the records' own dates, never from today's
status, so a past month keeps the figures it had (a later filing, dissolution or successor does
not move them):

- a committee is *in office* on D when it was filed (established_on ≤ D), not dissolved on or
  before D, and no later committee of its village was filed on or before D (filing a successor
  ends the predecessor, services.election_file);
- *established*: villages with a committee in office; *due for re-election*: in office with the
  term ending within the county's term_warning_days after D (D ≤ term_end ≤ D + days);
  *overdue*: in office with the term already ended (term_end < D) — no successor filed;
- a committee is *opened* on the earlier of its term's start and its election's planned date
  (the records' own dates: a register filled in later still dates them right);
- *electing*: committees opened on or before D, not filed by D and not dissolved by D;
- *pilot villages*: villages with a committee opened as a pilot (is_pilot) on or before D;
  R-J1 wants 1–2 per township. *Coverage*: established ÷ the villages existing on D
  (villages.history.existing_on_q; 村 and 居 alike, as both elect a committee);
- a committee *owes* the month's meeting and the period's expense review when it is in office
  on D, was filed before the month (resp. review period) began, and its term had not ended
  before the month began (a meeting after the term cannot be recorded, services._require_active).
  A meeting counts when held in the month up to D; a review when it is the period's review
  (period_start) and was done on or before D. The period is the month, or the quarter holding
  the month where the county reviews quarterly (SupervisionPolicy.expense_review_interval).

The number of queries is fixed (five), whatever the number of townships, villages, committees
or meetings: the county's numbers enter the SQL as CASE expressions per visible county.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, DateField, Exists, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from pilot_admin.choices import Role
from pilot_admin.dates import month_as_of
from supervision import permissions
from supervision.choices import ReviewInterval
from supervision.models import Committee, ExpenseReview, Meeting, SupervisionPolicy
from villages.history import existing_on_q
from villages.models import Township, Village

# Each township row and the totals carry these counts; coverage ratios derive from them.
FIGURES = (
    "villages",
    "pilot_villages",
    "established",
    "due_for_reelection",
    "overdue",
    "electing",
    "meetings_due",
    "meetings_done",
    "meetings_held",
    "reviews_due",
    "reviews_done",
)

PILOT_RANGE = (1, 2)  # R-J1: "各乡(镇)视情选定1—2个条件成熟的村委会", unless the county's plan says otherwise

_DEFAULT_WARNING_DAYS = SupervisionPolicy._meta.get_field("term_warning_days").default
_DEFAULT_INTERVAL = SupervisionPolicy._meta.get_field("expense_review_interval").default


def ratio(done: int, total: int) -> float:
    return round(done / total, 4) if total else 0


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def review_period_start(month: datetime.date, interval: str) -> datetime.date:
    return quarter_start(month) if interval == ReviewInterval.QUARTERLY else month_start(month)


@dataclass(frozen=True)
class SupervisionStats:
    month: datetime.date
    as_of: datetime.date
    scope: str
    figures: dict
    townships: list[dict]
    counties: list[dict]

    def as_dict(self) -> dict:
        return {
            "month": self.month.strftime("%Y-%m"),
            "as_of": self.as_of,
            "scope": self.scope,
            **_with_ratios(self.figures),
            "counties": self.counties,
            "townships": self.townships,
        }


def _with_ratios(figures: dict) -> dict:
    return {
        **figures,
        "coverage": ratio(figures["established"], figures["villages"]),
        "meeting_rate": ratio(figures["meetings_done"], figures["meetings_due"]),
        "review_rate": ratio(figures["reviews_done"], figures["reviews_due"]),
    }


def in_office_q(day: datetime.date) -> Q:
    """Committees in office on `day` (the module docstring); needs the `succeeded` annotation
    of with_succession(day)."""
    return (
        Q(established_on__isnull=False, established_on__lte=day)
        & (Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=day))
        & Q(succeeded=False)
    )


def with_succession(committees, day: datetime.date):
    successor = Committee.objects.filter(
        village=OuterRef("village"),
        established_on__isnull=False,
        established_on__gt=OuterRef("established_on"),
        established_on__lte=day,
    )
    return committees.annotate(succeeded=Exists(successor))


def _policies(townships) -> dict[int, tuple[int, str]]:
    """Warning days and review interval per county id; a county without a policy row has the
    defaults (a read never creates one)."""
    return {
        row["county_id"]: (row["term_warning_days"], row["expense_review_interval"])
        for row in SupervisionPolicy.objects.filter(county__in=townships.values("county")).values(
            "county_id", "term_warning_days", "expense_review_interval"
        )
    }


def supervision_stats(*, user, month: datetime.date, township: Township | None = None) -> SupervisionStats:
    """The month's figures for every township `user` sees (or one), with county and overall
    totals. Five queries."""
    month = month_start(month)
    as_of = month_as_of(month, timezone.localdate())
    townships = Township.objects.visible_to(user)
    if not permissions.can_view_supervision(user):
        # Departments see townships elsewhere, but no committee records.
        townships = townships.none()
    if township is not None:
        townships = townships.filter(pk=township.pk)
    # The county's pilot plan, when it has one, sets the pilot villages per township (R-J1).
    township_rows = list(
        townships.order_by("county", "code", "name").values(
            "id",
            "name",
            "county",
            "county__name",
            "county__supervision_pilot_plan__pilots_min",
            "county__supervision_pilot_plan__pilots_max",
        )
    )
    policies = _policies(townships)
    county_ids = {row["county"] for row in township_rows}

    # The due threshold and the review period, per county, as SQL expressions.
    def _threshold(days: int) -> datetime.date:
        return as_of + datetime.timedelta(days=days)

    due_until = Case(
        *[
            When(
                village__township__county_id=cid, then=Value(_threshold(policies.get(cid, (_DEFAULT_WARNING_DAYS,))[0]))
            )
            for cid in county_ids
        ],
        default=Value(_threshold(_DEFAULT_WARNING_DAYS)),
        output_field=DateField(),
    )
    quarterly = [cid for cid in county_ids if policies.get(cid, (0, _DEFAULT_INTERVAL))[1] == ReviewInterval.QUARTERLY]
    in_quarterly = Q(village__township__county_id__in=quarterly)
    m_start, q_start = month, quarter_start(month)

    committees = with_succession(Committee.objects.visible_to(user).filter(village__township__in=townships), as_of)
    committees = committees.annotate(
        reviewed_month=Exists(
            ExpenseReview.objects.filter(committee=OuterRef("pk"), period_start=m_start, reviewed_on__lte=as_of)
        ),
        reviewed_quarter=Exists(
            ExpenseReview.objects.filter(committee=OuterRef("pk"), period_start=q_start, reviewed_on__lte=as_of)
        ),
        met=Exists(Meeting.objects.filter(committee=OuterRef("pk"), held_on__gte=m_start, held_on__lte=as_of)),
        opened_on=Least("term_start", Coalesce("election__scheduled_on", "term_start")),
    )
    in_office = in_office_q(as_of)
    owes_meeting = in_office & Q(established_on__lt=m_start, term_end__gte=m_start)
    owes_review = (
        in_office
        & Q(term_end__gte=m_start)
        & ((in_quarterly & Q(established_on__lt=q_start)) | (~in_quarterly & Q(established_on__lt=m_start)))
    )
    reviewed = (in_quarterly & Q(reviewed_quarter=True)) | (~in_quarterly & Q(reviewed_month=True))
    per_township: dict[int, dict] = {}
    for row in (
        committees.order_by()
        .values("village__township")
        .annotate(
            pilot_villages=Count("village", distinct=True, filter=Q(is_pilot=True, opened_on__lte=as_of)),
            established=Count("pk", filter=in_office),
            due_for_reelection=Count("pk", filter=in_office & Q(term_end__gte=as_of, term_end__lte=due_until)),
            overdue=Count("pk", filter=in_office & Q(term_end__lt=as_of)),
            electing=Count(
                "pk",
                filter=Q(opened_on__lte=as_of)
                & (Q(established_on__isnull=True) | Q(established_on__gt=as_of))
                & (Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=as_of)),
            ),
            meetings_due=Count("pk", filter=owes_meeting),
            meetings_done=Count("pk", filter=owes_meeting & Q(met=True)),
            reviews_due=Count("pk", filter=owes_review),
            reviews_done=Count("pk", filter=owes_review & reviewed),
        )
    ):
        per_township[row.pop("village__township")] = row
    villages = {
        row["township"]: row["n"]
        for row in Village.objects.filter(existing_on_q(as_of), township__in=townships)
        .order_by()
        .values("township")
        .annotate(n=Count("pk"))
    }
    meetings = {
        row["committee__village__township"]: row["n"]
        for row in Meeting.objects.filter(
            committee__village__township__in=townships, held_on__gte=m_start, held_on__lte=as_of
        )
        .order_by()
        .values("committee__village__township")
        .annotate(n=Count("pk"))
    }

    rows, counties, totals = [], {}, dict.fromkeys(FIGURES, 0)
    for item in township_rows:
        figures = dict.fromkeys(FIGURES, 0)
        figures.update(per_township.get(item["id"], {}))
        figures["villages"] = villages.get(item["id"], 0)
        figures["meetings_held"] = meetings.get(item["id"], 0)
        county = counties.setdefault(
            item["county"], {"id": item["county"], "name": item["county__name"], **dict.fromkeys(FIGURES, 0)}
        )
        for name in FIGURES:
            county[name] += figures[name]
            totals[name] += figures[name]
        rows.append(
            {
                "id": item["id"],
                "name": item["name"],
                "county": item["county"],
                **_with_ratios(figures),
                "pilot_in_range": (item["county__supervision_pilot_plan__pilots_min"] or PILOT_RANGE[0])
                <= figures["pilot_villages"]
                <= (item["county__supervision_pilot_plan__pilots_max"] or PILOT_RANGE[1]),
            }
        )
    county_rows = []
    for county in counties.values():
        interval = policies.get(county["id"], (0, _DEFAULT_INTERVAL))[1]
        county_rows.append(
            {
                **_with_ratios(county),
                "review_interval": interval,
                "review_period_start": review_period_start(month, interval),
            }
        )
    scope = "township" if township is not None or user.role == Role.TOWNSHIP else "county"
    return SupervisionStats(month=month, as_of=as_of, scope=scope, figures=totals, townships=rows, counties=county_rows)
