"""Retention of the register: a person who left it more than PERSON_RETENTION_YEARS ago is archived.

PIPL art. 19 and 47: personal information is kept no longer than its purpose needs. Once a person
has exited (death, a move, a family able to support again) and the period has passed, the
county no longer needs to know who they were, only that they were counted. Archiving therefore
removes what identifies the person and the people around them and keeps what the statistics
of past months and years count:

- removed: the name, the ID number (and its index), the address, the notes, the disability,
  the day and month of birth (the year stays), the guardians' names and telephone numbers, the
  scanned agreements, the visit photos and the visit notes (problems, follow-up);
- kept: the village, kind, sex, support mode, civil capacity, self-care level, income band facts,
  the dates of registration and exit and the exit reason, the guardians' categories and dates,
  the agreements' dates and duties, the visits' dates and checks, the assessments and findings:
  every figure of a past month stays as it was (tests/guardianship/test_retention.py).

Each archived person leaves one audit entry (by 系统) saying what was removed; the entry holds
none of it. Nightly, by Celery beat; safe to run twice (an archived person is not due again).
"""

import datetime

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from guardianship.choices import PersonStatus
from guardianship.models import Agreement, Guardian, Person, Visit, VisitPhoto
from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction

ARCHIVED_NAME = "（已归档）"
BATCH = 200
REMOVED = "姓名、公民身份号码、住址、备注、残疾情况、出生月日、监护人姓名和电话、协议扫描件、走访照片和走访记录文字"


def retention_cutoff(today: datetime.date, years: int | None = None) -> datetime.date:
    """The last exit date that is not yet due: persons who exited before it are archived."""
    years = settings.PERSON_RETENTION_YEARS if years is None else years
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def persons_due_for_archive(today: datetime.date):
    return Person.objects.filter(
        status=PersonStatus.EXITED, archived_at__isnull=True, exit_date__lt=retention_cutoff(today)
    )


def persons_archive_exited(*, now: datetime.datetime | None = None) -> int:
    """Archive every person due on `now`'s date; returns how many. Batches of BATCH persons,
    each in its own transaction, so a long first run holds no lock for long."""
    now = now or timezone.now()
    ids = list(persons_due_for_archive(timezone.localdate(now)).order_by("pk").values_list("pk", flat=True))
    archived = 0
    for start in range(0, len(ids), BATCH):
        archived += _archive(ids[start : start + BATCH], now=now)
    return archived


@transaction.atomic
def _archive(ids: list[int], *, now: datetime.datetime) -> int:
    # Locked and checked again: a person re-admitted meanwhile, or archived by another run, is left.
    cutoff = retention_cutoff(timezone.localdate(now))
    persons = list(
        Person.objects.select_for_update()
        .filter(pk__in=ids, status=PersonStatus.EXITED, archived_at__isnull=True, exit_date__lt=cutoff)
        .order_by("pk")
    )
    ids = [p.pk for p in persons]
    files = list(
        Agreement.objects.filter(guardian__person__in=ids).exclude(document="").values_list("document", flat=True)
    )
    files += VisitPhoto.objects.filter(visit__person__in=ids).values_list("file", flat=True)
    years = settings.PERSON_RETENTION_YEARS
    for person in persons:
        exited_on = person.exit_date
        person.name = ARCHIVED_NAME
        person.id_number = ""
        person.birth_date = person.birth_date.replace(month=1, day=1)
        person.address = person.notes = person.disability_type = ""
        person.disability_grade = None
        person.archived_at = now
        person.version = F("version") + 1
        person.save(
            update_fields=[
                "name", "id_number", "birth_date", "address", "notes", "disability_type", "disability_grade",
                "archived_at", "version", "updated_at",
            ]
        )  # fmt: skip
        audit.record(
            actor=None,
            instance=person,
            action=AuditAction.UPDATE,
            before=audit.snapshot(person),
            note=f"退出（{exited_on:%Y-%m-%d}）满 {years} 年，按保存期限归档：已删除{REMOVED}。",
        )
    Guardian.objects.filter(person__in=ids).update(name=ARCHIVED_NAME, phone="")
    Agreement.objects.filter(guardian__person__in=ids).update(document="", document_name="")
    VisitPhoto.objects.filter(visit__person__in=ids).delete()
    Visit.objects.filter(person__in=ids).update(problems="", follow_up="")
    # The files go once the rows that name them are gone for good.
    transaction.on_commit(lambda: [default_storage.delete(name) for name in files])
    return len(persons)
