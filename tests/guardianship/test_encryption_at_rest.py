"""ID numbers, disability and notes are encrypted in the database; lookups, uniqueness, imports
and the audit trail still work, keys rotate, and production refuses to start without them."""

import datetime
import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import FieldError, ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import override_settings

from guardianship import services
from guardianship.models import Person
from pilot_admin import crypto
from pilot_admin.models import AuditEntry
from tests.factories import PersonFactory, id_number
from tests.helpers.uploads import run_import

pytestmark = pytest.mark.django_db

NUMBER = id_number(datetime.date(1950, 5, 1), 11)
OTHER = id_number(datetime.date(1948, 2, 3), 21)
NOTE = "患有高血压，长期服药"


def _raw_row(person) -> dict:
    columns = ("id_number", "id_number_index", "disability_type", "disability_grade", "notes")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM guardianship_person WHERE id = %s", [person.pk])
        return dict(zip(columns, cursor.fetchone(), strict=True))


def _all_raw_text() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM guardianship_person")
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def _person(**fields):
    return PersonFactory(
        birth_date=datetime.date(1950, 5, 1),
        id_number=NUMBER,
        disability_type="physical",
        disability_grade=2,
        notes=NOTE,
        **fields,
    )


def test_the_database_holds_no_plain_id_number_disability_or_note(village_a):
    person = _person(village=village_a, kind="disabled")

    raw = _raw_row(person)
    assert NUMBER not in _all_raw_text()
    assert "physical" not in _all_raw_text() and NOTE not in _all_raw_text()
    # Each value is a token of the configured key, and reads back through the model.
    assert crypto.decrypt(raw["id_number"]) == NUMBER
    assert crypto.decrypt(raw["disability_grade"]) == "2"
    assert raw["id_number_index"] == crypto.blind_index(NUMBER, purpose="id_number")
    stored = Person.objects.get(pk=person.pk)
    assert (stored.id_number, stored.disability_type, stored.disability_grade, stored.notes) == (
        NUMBER,
        "physical",
        2,
        NOTE,
    )


def test_the_same_number_encrypts_differently_each_time_but_indexes_the_same():
    assert crypto.encrypt(NUMBER) != crypto.encrypt(NUMBER)
    assert crypto.blind_index(NUMBER, purpose="id_number") == crypto.blind_index(NUMBER, purpose="id_number")
    assert crypto.blind_index(NUMBER, purpose="id_number") != crypto.blind_index(NUMBER, purpose="other")


def test_empty_values_stay_empty_so_the_constraints_still_see_them(village_a):
    person = PersonFactory(village=village_a)

    assert _raw_row(person)["disability_type"] == "" and _raw_row(person)["disability_grade"] is None
    # The CHECK constraint "type and grade together" still holds in the database.
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=person.pk).update(disability_grade=2)


def test_lookup_by_id_number_goes_through_the_index(village_a):
    person = _person(village=village_a)
    PersonFactory(village=village_a, id_number=OTHER, birth_date=datetime.date(1948, 2, 3))

    assert Person.objects.get(id_number=NUMBER) == person
    assert set(Person.objects.filter(id_number__in=[NUMBER, "not a number"])) == {person}
    assert Person.objects.filter(id_number__in=[]).count() == 0
    assert Person.objects.filter(disability_type="").count() == 1
    with pytest.raises(FieldError, match="Unsupported lookup 'startswith'"):
        list(Person.objects.filter(id_number__startswith="4228"))
    with pytest.raises(FieldError, match="加密字段"):
        list(Person.objects.filter(notes="anything"))


def test_uniqueness_holds_in_the_database_and_in_the_service(village_a, township_a_official):
    _person(village=village_a)

    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(
            name="重复", gender="male", id_number=NUMBER, birth_date=datetime.date(1950, 5, 1), village=village_a,
            kind="elderly", support_mode="dispersed",
        )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        services.person_save(
            actor=township_a_official, name="重复", id_number=NUMBER, village=village_a, kind="elderly",
            support_mode="dispersed",
        )  # fmt: skip
    assert "公民身份号码" in caught.value.message_dict["id_number"][0]


def test_changing_the_number_moves_the_index_with_it(village_a, township_a_official):
    person = _person(village=village_a)

    services.person_save(actor=township_a_official, person=person, version=person.version, id_number=OTHER)

    assert Person.objects.get(id_number=OTHER).pk == person.pk
    assert not Person.objects.filter(id_number=NUMBER).exists()
    assert _raw_row(person)["id_number_index"] == crypto.blind_index(OTHER, purpose="id_number")


def test_an_import_matches_registered_numbers_and_stores_tokens(township_a_official, village_a):
    from tests.guardianship.test_imports import _person_row

    _person(village=village_a)
    refused = run_import("persons", township_a_official, [_person_row(number=NUMBER)])
    assert [e.message for e in refused.errors] == ["该公民身份号码已登记，请在人员页面修改。"]

    done = run_import("persons", township_a_official, [_person_row(number=OTHER, name="李四")])
    assert done.ok and Person.objects.get(id_number=OTHER).name == "李四"
    assert OTHER not in _all_raw_text()


def test_the_audit_trail_shows_that_a_number_changed_never_the_number(village_a, township_a_official):
    person = services.person_save(
        actor=township_a_official, name="王五", id_number=NUMBER, village=village_a, kind="disabled",
        support_mode="dispersed", disability_type="mental", disability_grade=1, notes=NOTE,
    )  # fmt: skip
    services.person_save(actor=township_a_official, person=person, version=person.version, id_number=OTHER)

    entries = AuditEntry.objects.filter(object_id=str(person.pk)).order_by("id")
    text = str([e.changes for e in entries])
    assert NUMBER not in text and OTHER not in text and NOTE not in text and "精神残疾" not in text
    change = entries.last().changes["id_number"]
    assert change["old"].startswith("（加密内容）") and change["new"].startswith("（加密内容）")
    assert change["old"] != change["new"]
    assert "id_number_index" not in entries.first().changes


NEW_KEY = Fernet.generate_key().decode()


def test_rotation_old_key_still_decrypts_until_the_command_re_encrypts(village_a, capsys):
    person = _person(village=village_a)
    old = settings.PERSONAL_DATA_KEYS

    with override_settings(PERSONAL_DATA_KEYS=[NEW_KEY, *old]):
        assert Person.objects.get(pk=person.pk).id_number == NUMBER  # written under the old key
        call_command("rotate_personal_data_keys", "--check")
        assert "特困人员：4 个值未用第一个密钥加密，0 个值现有密钥都无法解密" in capsys.readouterr().out
        call_command("rotate_personal_data_keys")
        call_command("rotate_personal_data_keys", "--check")
        assert "特困人员：0 个值未用第一个密钥加密，0 个值现有密钥都无法解密" in capsys.readouterr().out
    with override_settings(PERSONAL_DATA_KEYS=[NEW_KEY]):
        stored = Person.objects.get(id_number=NUMBER)
        assert (stored.id_number, stored.disability_grade, stored.notes) == (NUMBER, 2, NOTE)
    # The old key alone can no longer read the rotated rows, and the check says so.
    with pytest.raises(crypto.PersonalDataKeyError, match="无法解密"):
        Person.objects.get(pk=person.pk)
    with pytest.raises(CommandError, match="有数据无法解密"):
        call_command("rotate_personal_data_keys", "--check")
    assert "特困人员：0 个值未用第一个密钥加密，4 个值现有密钥都无法解密" in capsys.readouterr().out


def test_rotation_leaves_the_record_version_and_time_alone(village_a):
    person = _person(village=village_a)
    before = Person.objects.values_list("version", "updated_at").get(pk=person.pk)

    with override_settings(PERSONAL_DATA_KEYS=[NEW_KEY, *settings.PERSONAL_DATA_KEYS]):
        call_command("rotate_personal_data_keys")

    assert Person.objects.values_list("version", "updated_at").get(pk=person.pk) == before


def test_a_new_index_key_takes_effect_after_the_command(village_a):
    person = _person(village=village_a)
    new_index = Fernet.generate_key().decode()

    with override_settings(PERSONAL_DATA_INDEX_KEY=new_index):
        assert not Person.objects.filter(id_number=NUMBER).exists()
        call_command("rotate_personal_data_keys")
        assert Person.objects.get(id_number=NUMBER) == person


def test_without_keys_production_cannot_read_or_write():
    with override_settings(DEBUG=False, PERSONAL_DATA_KEYS=[], PERSONAL_DATA_INDEX_KEY=""):
        with pytest.raises(crypto.PersonalDataKeyError, match="PERSONAL_DATA_KEY"):
            crypto.encrypt(NUMBER)
        assert [e.id for e in crypto.personal_data_keys_check()] == ["pilot_admin.E101"]
    with override_settings(DEBUG=False, PERSONAL_DATA_KEYS=["not a key"]):
        assert "第 1 个密钥格式不对" in crypto.personal_data_keys_check()[0].msg
    with override_settings(DEBUG=True, PERSONAL_DATA_KEYS=[], PERSONAL_DATA_INDEX_KEY=""):
        assert crypto.decrypt(crypto.encrypt(NUMBER)) == NUMBER  # a developer's machine derives them


@pytest.mark.parametrize(
    ("missing", "expected"),
    [("PERSONAL_DATA_KEY", "pilot_admin.E101"), ("PERSONAL_DATA_INDEX_KEY", "pilot_admin.E101")],
)
def test_manage_py_refuses_to_run_in_production_without_a_key(missing, expected):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "PERSONAL_DATA"))}
    env.update(
        DJANGO_SETTINGS_MODULE="pilot_admin.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="pilot.example",
        PERSONAL_DATA_KEY=NEW_KEY,
        PERSONAL_DATA_INDEX_KEY=Fernet.generate_key().decode(),
    )
    del env[missing]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip

    assert result.returncode != 0
    assert expected in result.stderr and "必须设置 PERSONAL_DATA_KEY 和 PERSONAL_DATA_INDEX_KEY" in result.stderr
