"""Persons who left the register more than PERSON_RETENTION_YEARS ago are archived nightly: what
identifies them is removed, what the statistics count stays, and each archiving is audited."""

import dataclasses
import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from guardianship import selectors, services
from guardianship.models import Agreement, Guardian, Person, Visit, VisitPhoto
from guardianship.services_retention import ARCHIVED_NAME, persons_archive_exited, retention_cutoff
from guardianship.tasks import archive_exited_persons
from pilot_admin.models import AuditEntry
from tests.factories import PersonFactory, id_number

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = timezone.localdate()
CUTOFF = retention_cutoff(TODAY)
PAST_MONTH = datetime.date(CUTOFF.year - 1, 3, 1)


def _exited(village, *, exit_date, seq, visitor, **fields):
    """An exited person with everything archiving touches: guardian, signed agreement with its
    scan, a visit in PAST_MONTH with notes and a photo."""
    birth = datetime.date(1940, 6, 17)
    person = PersonFactory(
        village=village, birth_date=birth, id_number=id_number(birth, seq), civil_capacity="none",
        address="二组12号", notes="长期卧床", kind="disabled", disability_type="physical", disability_grade=1,
        status="exited", exit_reason="死亡", exit_date=exit_date, **fields,
    )  # fmt: skip
    Person.objects.filter(pk=person.pk).update(created_at=timezone.make_aware(datetime.datetime(2015, 1, 1)))
    guardian = Guardian.objects.create(
        person=person, kind="individual", name="王监护", phone="13800000000", category="I",
        start_date=datetime.date(2015, 1, 1),
    )  # fmt: skip
    agreement = Agreement.objects.create(guardian=guardian, signed_on=datetime.date(2015, 2, 1), duties=["daily_watch"])
    agreement.document.save("协议.pdf", ContentFile(b"%PDF-1.4 scanned agreement"))
    agreement.document_name = "协议.pdf"
    agreement.save()
    visit = Visit.objects.create(
        person=person, visited_on=PAST_MONTH + datetime.timedelta(days=4), visitor=visitor, visitor_name="联村干部",
        problems="王某某家中漏雨", follow_up="已联系村委会",
    )  # fmt: skip
    photo = VisitPhoto(visit=visit, original_name="家中.jpg")
    photo.file.save("家中.jpg", ContentFile(b"\xff\xd8\xff fake jpeg bytes"))
    return person, agreement.document.name, photo.file.name


@pytest.fixture
def due(village_a, township_a_official):
    return _exited(village_a, exit_date=CUTOFF - datetime.timedelta(days=1), seq=11, visitor=township_a_official)


@pytest.fixture
def not_yet(village_a, township_a_official):
    # Exactly PERSON_RETENTION_YEARS ago: not "more than", so kept.
    return _exited(village_a, exit_date=CUTOFF, seq=13, visitor=township_a_official)


def _raw(person) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, id_number_index FROM guardianship_person WHERE id = %s", [person.pk])
        return cursor.fetchone()


def test_only_persons_exited_more_than_the_period_ago_are_archived(due, not_yet, village_a):
    active = PersonFactory(village=village_a, id_number=id_number(datetime.date(1950, 1, 1), 15))

    assert persons_archive_exited() == 1

    archived = set(Person.objects.filter(archived_at__isnull=False).values_list("pk", flat=True))
    assert archived == {due[0].pk}
    assert not_yet[0].pk not in archived and active.pk not in archived
    assert settings.PERSON_RETENTION_YEARS == 5 and CUTOFF.year == TODAY.year - 5


def test_identifying_data_is_removed_with_the_files(due):
    person, document, photo = due
    assert default_storage.exists(document) and default_storage.exists(photo)

    persons_archive_exited()

    person = Person.objects.get(pk=person.pk)
    assert (person.name, person.id_number, person.address, person.notes) == (ARCHIVED_NAME, "", "", "")
    assert (person.disability_type, person.disability_grade) == ("", None)
    assert person.birth_date == datetime.date(1940, 1, 1)
    assert _raw(person) == ("", None)
    guardian = Guardian.objects.get(person=person)
    assert (guardian.name, guardian.phone) == (ARCHIVED_NAME, "")
    agreement = Agreement.objects.get(guardian=guardian)
    assert (agreement.document.name, agreement.document_name) == ("", "")
    assert not VisitPhoto.objects.filter(visit__person=person).exists()
    assert Visit.objects.filter(person=person, problems="", follow_up="").count() == 1
    assert not default_storage.exists(document) and not default_storage.exists(photo)


def test_past_statistics_stay_as_they_were(due, not_yet, county_admin):
    def figures():
        stats = selectors.guardianship_stats(user=county_admin, month=PAST_MONTH)
        return dataclasses.asdict(stats)

    before = figures()
    assert before["figures"]["persons_active"] == 2 and before["figures"]["dispersed_visited"] == 2

    persons_archive_exited()

    assert figures() == before


def test_each_archiving_is_one_audit_entry_that_holds_nothing_removed(due):
    person = due[0]

    persons_archive_exited()

    entry = AuditEntry.objects.get(object_id=str(person.pk), note__contains="按保存期限归档")
    assert entry.actor is None and entry.actor_name == "系统" and entry.changes == {}
    assert entry.object_repr == ARCHIVED_NAME
    assert f"退出（{due[0].exit_date:%Y-%m-%d}）满 5 年" in entry.note


def test_a_second_run_archives_nothing_and_the_task_runs_the_service(due):
    assert archive_exited_persons.apply().get() == 1
    assert archive_exited_persons.apply().get() == 0
    beat = settings.CELERY_BEAT_SCHEDULE["archive-exited-persons"]
    assert beat["task"] == "guardianship.tasks.archive_exited_persons"


def test_an_archived_person_cannot_be_changed_and_says_why(due, client, township_a_official):
    person = due[0]
    persons_archive_exited()
    person.refresh_from_db()

    with pytest.raises((PermissionDenied, Person.DoesNotExist, ValidationError)):
        services.person_save(actor=township_a_official, person=person, version=person.version, notes="改")
    client.force_login(township_a_official)
    assert client.get(reverse("guardianship:person_update", args=[person.pk])).status_code == 404
    page = client.get(person.get_absolute_url()).content.decode()
    assert "已满保存期限" in page and "已删除（归档）" in page and "1940年" in page
    assert "二组12号" not in page and "王监护" not in page and "长期卧床" not in page
    # Eligibility judged on an approximate birth date of someone long gone would mislead.
    assert 'id="eligibility"' not in page


def test_the_same_number_can_be_registered_again_after_archiving(due, township_a_official, village_a):
    number = due[0].id_number
    persons_archive_exited()

    again = services.person_save(
        actor=township_a_official, name="再次纳入", id_number=number, village=village_a, kind="elderly",
        support_mode="dispersed",
    )  # fmt: skip

    assert Person.objects.get(id_number=number) == again
