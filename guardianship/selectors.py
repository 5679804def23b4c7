"""Reads of the guardianship app: the register, monthly visit compliance (R-H14), the visit
matrix and the statistics of the API. Every figure is SQL on visible_to querysets, so the
number of queries never depends on the number of persons or visits (the visit matrix is one
query, streamed from its cursor for the export).

Monthly compliance, the one definition used by the register, the ledger, the statistics, the
reminders and the benchmark floor: a person is due visits in month M when they are in
dispersed support, were registered before M ended (a person registered mid-month still needs
that month's visit) and had not exited before M began (an exited person counts up to and
including the month of the exit date). They are visited in M with at least the county policy's
`visits_per_month` visits dated in M. The month's figures are as of its reference date
(pilot_admin.dates.month_as_of: the month's last day once it is over, else today). Support
mode, civil capacity, self-care level and guardian are the current values: the register keeps
no history of the first two, and the statistics do not yet read the dated guardian and
assessment records (they would need one more join per person on the province's scale).
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from guardianship.choices import CivilCapacity, PersonStatus, SupportMode
from guardianship.models import Agreement, Guardian, GuardianshipPolicy, Person, Visit
from pilot_admin.choices import Role
from pilot_admin.dates import month_as_of
from villages.models import Township

DEFAULT_VISITS_PER_MONTH = GuardianshipPolicy._meta.get_field("visits_per_month").default
NEEDS_GUARDIAN = (CivilCapacity.LIMITED, CivilCapacity.NONE)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    month = month_start(month)
    return month.replace(year=month.year + 1, month=1) if month.month == 12 else month.replace(month=month.month + 1)


def previous_month(month: datetime.date) -> datetime.date:
    month = month_start(month)
    return month.replace(year=month.year - 1, month=12) if month.month == 1 else month.replace(month=month.month - 1)


def local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def on_register_q(month: datetime.date, prefix: str = "") -> Q:
    """Persons on the register at some time in `month`: registered before it ended, not exited
    before it began."""
    start, end = month_start(month), next_month(month)
    return Q(**{f"{prefix}created_at__lt": local_midnight(end)}) & (
        Q(**{f"{prefix}status": PersonStatus.ACTIVE}) | Q(**{f"{prefix}exit_date__gte": start})
    )


def due_visits_q(month: datetime.date, prefix: str = "") -> Q:
    """Persons who need visits in `month` (see the module docstring)."""
    return on_register_q(month, prefix) & Q(**{f"{prefix}support_mode": SupportMode.DISPERSED})


def required_visits():
    """The county policy's visits per month; the model default where a county has no policy row."""
    return Coalesce(
        F("village__township__county__guardianship_policy__visits_per_month"),
        Value(DEFAULT_VISITS_PER_MONTH),
        output_field=IntegerField(),
    )


def visits_in(month: datetime.date):
    start, end = month_start(month), next_month(month)
    counted = (
        Visit.objects.filter(person=OuterRef("pk"), visited_on__gte=start, visited_on__lt=end)
        .order_by()
        .values("person")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_month_visits(queryset: QuerySet[Person], month: datetime.date) -> QuerySet[Person]:
    """`visits_in_month` and `visited_in_month` (meets the policy's visits per month)."""
    return queryset.annotate(visits_in_month=visits_in(month), required_visits=required_visits()).annotate(
        visited_in_month=ExpressionWrapper(Q(visits_in_month__gte=F("required_visits")), output_field=BooleanField())
    )


def _active_guardian():
    # An explicit order: Meta.ordering starts with "person", which expands to the person's own
    # ordering and joins person, village and township inside every correlated subquery (the
    # statistics evaluate it up to six times per person; the joins made PostgreSQL JIT-compile).
    return Guardian.objects.filter(person=OuterRef("pk"), is_active=True).order_by("-start_date", "-pk")


def _agreement_of(guardian):
    # Unordered: Meta.ordering starts with "guardian", which would join the guardian, then its
    # person, village and township inside the subquery.
    return Agreement.objects.filter(guardian=guardian).order_by().values("pk")[:1]


def person_register(*, user, month: datetime.date | None = None) -> QuerySet[Person]:
    """Visible persons with `visited_in_month` (for `month`, this month by default; meaningful
    for dispersed persons), `last_visit`, `guardian_category` (the active guardian's, or None)
    and `has_agreement` (the active guardian has signed one). One query, however many rows."""
    month = month_start(month or timezone.localdate())
    last_visit = Visit.objects.filter(person=OuterRef("pk")).order_by("-visited_on").values("visited_on")[:1]
    # Subqueries, not joins: PostgreSQL evaluates them for the page's rows only, after the
    # LIMIT. The agreement is a LIMIT 1 scalar subquery rather than an EXISTS, which PostgreSQL
    # planned as one hash over every agreement of the province (~190 of ~200 ms, one county).
    agreement = Agreement.objects.filter(guardian__person=OuterRef("pk"), guardian__is_active=True)
    persons = Person.objects.visible_to(user).select_related("village__township")
    return (
        with_month_visits(persons, month)
        .alias(active_agreement=Subquery(agreement.order_by().values("pk")[:1]))
        .annotate(
            last_visit=Subquery(last_visit),
            guardian_category=Subquery(_active_guardian().values("category")[:1]),
            has_agreement=ExpressionWrapper(Q(active_agreement__isnull=False), output_field=BooleanField()),
        )
    )


def monthly_compliance(*, user, month: datetime.date, township: Township | None = None) -> QuerySet[Person]:
    """The persons due visits in `month`, each with `visits_in_month` and `visited_in_month`."""
    persons = Person.objects.visible_to(user).filter(due_visits_q(month))
    if township is not None:
        persons = persons.filter(village__township=township)
    return with_month_visits(persons.select_related("village__township"), month)


# Persons fetched per round trip of the ledger's one cursor (a server-side cursor on PostgreSQL):
# the memory of one chunk of rows, however long the ledger.
MATRIX_CHUNK_SIZE = 2000
MONTHS = range(1, 13)


def _matrix_persons(*, user, year: int, township: Township | None, village) -> QuerySet[Person]:
    """The dispersed persons on the register at some time in `year`, in the register's order,
    each with `m1` … `m12`: the date of the first visit in that month of `year` (None if none).
    The year's visits are a LEFT JOIN restricted in its ON clause (FilteredRelation), so a
    person's other years are never read, and one GROUP BY gives every month: one query."""
    start, end = datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
    persons = Person.objects.visible_to(user).filter(
        Q(created_at__lt=local_midnight(end)),
        Q(status=PersonStatus.ACTIVE) | Q(exit_date__gte=start),
        support_mode=SupportMode.DISPERSED,
    )
    if township is not None:
        persons = persons.filter(village__township=township)
    if village is not None:
        persons = persons.filter(village=village)
    year_visits = FilteredRelation("visits", condition=Q(visits__visited_on__gte=start, visits__visited_on__lt=end))
    # The register's order named: Django leaves Meta.ordering out of a GROUP BY query.
    return (
        persons.annotate(year_visits=year_visits)
        .annotate(
            **{
                f"m{month}": Min("year_visits__visited_on", filter=Q(year_visits__visited_on__month=month))
                for month in MONTHS
            }
        )
        .order_by(*Person._meta.ordering)
    )


def visit_matrix_rows(
    *, user, year: int, township: Township | None = None, village=None, chunk_size: int | None = None
) -> Iterator[tuple[Person, list[datetime.date | None]]]:
    """The inspections' ledger as a stream: each dispersed person on the register at some time
    in `year`, in the register's order, with the first visit date of each month (a list of 12,
    None where a month had none). One query, read `chunk_size` persons at a time from its
    cursor: the memory of one chunk however long the ledger."""
    persons = _matrix_persons(user=user, year=year, township=township, village=village)
    for person in persons.select_related("village__township").iterator(chunk_size=chunk_size or MATRIX_CHUNK_SIZE):
        yield person, [getattr(person, f"m{month}") for month in MONTHS]


def visit_ledger_lines(
    *, user, year: int, township: Township | None = None, village=None, chunk_size: int | None = None
) -> Iterator[tuple]:
    """visit_matrix_rows as plain values for the export, which needs no Person: (township name,
    village name, name, status, first visit date of months 1–12 or None). The same one query
    and cursor, without building a Person, a Village and a Township per row."""
    persons = _matrix_persons(user=user, year=year, township=township, village=village)
    lines = persons.values_list(
        "village__township__name", "village__name", "name", "status", *(f"m{month}" for month in MONTHS)
    )
    return lines.iterator(chunk_size=chunk_size or MATRIX_CHUNK_SIZE)


def visit_matrix(
    *, user, year: int, township: Township | None = None, village=None
) -> tuple[list[Person], dict[int, dict[int, datetime.date]]]:
    """visit_matrix_rows held whole: the persons and, per person, the date of the first visit in
    each month (1–12) that had one. One query."""
    person_list, cells = [], {}
    for person, months in visit_matrix_rows(user=user, year=year, township=township, village=village):
        person_list.append(person)
        cells[person.pk] = {month: day for month, day in enumerate(months, start=1) if day is not None}
    return person_list, cells


def coverage(visited: int, total: int) -> float:
    return round(visited / total, 4) if total else 0


@dataclass(frozen=True)
class GuardianshipStats:
    month: datetime.date
    figures: dict
    townships: list[dict]
    as_of: datetime.date | None = None
    scope: str = "county"
    # Every figure per township id, for the overview page; the API's township rows stay as the
    # contract states them.
    township_figures: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        f = self.figures
        return {
            "month": self.month.strftime("%Y-%m"),
            "as_of": self.as_of,
            "scope": self.scope,
            "persons_active": f["persons_active"],
            "support_mode": {"concentrated": f["concentrated"], "dispersed": f["dispersed"]},
            "self_care_level": {"full": f["level_full"], "partial": f["level_partial"], "none": f["level_none"]},
            "guardian_category": {"I": f["cat_i"], "II": f["cat_ii"], "III": f["cat_iii"], "missing": f["missing"]},
            "agreements_missing": f["agreements_missing"],
            "dispersed_visited": f["dispersed_visited"],
            "dispersed_total": f["dispersed_total"],
            "visit_coverage": coverage(f["dispersed_visited"], f["dispersed_total"]),
            "townships": self.townships,
        }


FIGURES = (
    "persons_active", "concentrated", "dispersed", "level_full", "level_partial", "level_none", "cat_i", "cat_ii",
    "cat_iii", "missing", "agreements_missing", "dispersed_total", "dispersed_visited",
)  # fmt: skip


def _counted(**conditions) -> dict:
    return {name: Count("pk", filter=condition) for name, condition in conditions.items()}


def guardianship_stats(*, user, month: datetime.date, township: Township | None = None) -> GuardianshipStats:
    """The API's monthly figures for the persons on the register in `month` (see the module
    docstring), county-wide or for one township, and per visible township. Two queries.

    guardian_category.missing counts persons with limited or no civil capacity and no active
    guardian; agreements_missing counts active guardians (one per person) without an agreement.
    """
    month = month_start(month)
    as_of = month_as_of(month, timezone.localdate())
    persons = Person.objects.visible_to(user).filter(on_register_q(month))
    townships = Township.objects.visible_to(user)
    if township is not None:
        persons = persons.filter(village__township=township)
        townships = townships.filter(pk=township.pk)
    # The active guardian as a LEFT JOIN (at most one row per person: the partial unique
    # constraint guardian_one_active_per_person), read once, where a correlated subquery was
    # evaluated once per figure using it. Its agreement is a scalar subquery on the agreement's
    # guardian_id index: PostgreSQL may turn an EXISTS in a FILTER into one hash over every
    # agreement of the province, but never a LIMIT 1 scalar subquery.
    persons = (
        with_month_visits(persons, month)
        .annotate(active_guardian=FilteredRelation("guardians", condition=Q(guardians__is_active=True)))
        .annotate(
            guardian=F("active_guardian__category"),
            agreement=Subquery(_agreement_of(OuterRef("active_guardian__pk"))),
        )
    )
    dispersed = Q(support_mode=SupportMode.DISPERSED)
    # One GROUP BY township computes every figure once per person; the totals are the sums of
    # the (at most a province's ~1,200) township rows.
    per_township = {
        row.pop("village__township"): row
        for row in persons.order_by()
        .values("village__township")
        .annotate(
            persons_active=Count("pk"),
            **_counted(
                concentrated=Q(support_mode=SupportMode.CONCENTRATED),
                dispersed=dispersed,
                level_full=Q(self_care_level="full"),
                level_partial=Q(self_care_level="partial"),
                level_none=Q(self_care_level="none"),
                cat_i=Q(guardian="I"),
                cat_ii=Q(guardian="II"),
                cat_iii=Q(guardian="III"),
                missing=Q(civil_capacity__in=NEEDS_GUARDIAN, guardian__isnull=True),
                agreements_missing=Q(guardian__isnull=False, agreement__isnull=True),
                dispersed_total=dispersed,
                dispersed_visited=dispersed & Q(visited_in_month=True),
            ),
        )
    }
    figures = dict.fromkeys(FIGURES, 0)
    for row in per_township.values():
        for name in FIGURES:
            figures[name] += row[name]
    rows = []
    for item in townships.order_by("county", "code", "name").values("id", "name"):
        row = per_township.get(item["id"], {})
        total, done = row.get("dispersed_total", 0), row.get("dispersed_visited", 0)
        rows.append(
            {
                "id": item["id"],
                "name": item["name"],
                "persons_active": row.get("persons_active", 0),
                "dispersed_total": total,
                "dispersed_visited": done,
                "visit_coverage": coverage(done, total),
            }
        )
    scope = "township" if township is not None or user.role == Role.TOWNSHIP else "county"
    return GuardianshipStats(
        month=month, figures=figures, townships=rows, township_figures=per_township, as_of=as_of, scope=scope
    )


def county_visit_coverage(*, county, month: datetime.date) -> dict:
    """The county's dispersed persons due visits in `month` and those visited (the figures
    guardianship_stats gives a county user), totals only: what a township may set its own
    coverage against. One query."""
    persons = with_month_visits(
        Person.objects.filter(village__township__county=county).filter(due_visits_q(month_start(month))),
        month_start(month),
    )
    row = persons.aggregate(dispersed_total=Count("pk"), dispersed_visited=Count("pk", filter=Q(visited_in_month=True)))
    return {**row, "visit_coverage": coverage(row["dispersed_visited"], row["dispersed_total"])}


def person_list(*, user, month: datetime.date | None = None) -> QuerySet[Person]:
    """The API's person list: the register, ordered for stable pages."""
    return person_register(user=user, month=month).order_by("village__township__code", "village__code", "name", "pk")
