"""The guardianship agreement (监护照料协议书) as a Word document: pre-filled for the person and
their current guardian with the full ID number, so only the township and the county office may
download it; every download is a logged read; another township's person is a 404."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from guardianship.models import Agreement, Guardian
from pilot_admin.choices import AuditAction
from pilot_admin.models import AuditEntry
from tests.factories import PersonFactory, id_number
from tests.helpers.docx import assert_official_layout, filename_of, opened, table_rows, texts, title_of

pytestmark = pytest.mark.django_db

NUMBER = id_number(datetime.date(1948, 5, 2), 311)


@pytest.fixture
def person(village_a):
    return PersonFactory(
        village=village_a, name="谭大有", id_number=NUMBER, birth_date=datetime.date(1948, 5, 2), address="水布垭村3组"
    )


@pytest.fixture
def guardian(person):
    guardian = Guardian.objects.create(
        person=person,
        kind="individual",
        name="谭小林",
        relation="other_close_relative",
        phone="13800001234",
        category="I",
        start_date=datetime.date(2024, 3, 1),
    )
    Agreement.objects.create(guardian=guardian, signed_on=datetime.date(2024, 3, 1), duties=["daily_watch", "cleaning"])
    return guardian


def _url(person, guardian):
    return reverse("guardianship:agreement_document", args=[person.pk, guardian.pk])


@pytest.mark.parametrize("role", ["township_a", "county_admin"])
def test_the_agreement_is_filled_in_for_the_person_and_guardian(client, personas, person, guardian, role):
    user = personas[role]
    client.force_login(user)
    response = client.get(_url(person, guardian))
    document = opened(response)
    assert_official_layout(document, body_text="为保障被监护人")
    assert title_of(document).text == "特困人员监护照料协议书"
    lines = texts(document)
    assert f"协议编号：水布垭镇监协〔{timezone.localdate().year}〕{guardian.pk}号" in lines
    assert "甲方（委托方）：水布垭镇人民政府" in lines
    assert "乙方（监护人）：谭小林（个人）" in lines
    assert f"公民身份号码：{NUMBER}" in lines
    assert "被监护人：谭大有，男，出生日期 1948年5月2日" in lines
    assert "乙方联系电话：13800001234" in lines
    assert "与被监护人关系：其他近亲属" in lines
    # The duties of the guardian's registered agreement, in its order.
    assert table_rows(document.tables[0]) == [["序号", "监护照料职责"], ["1", "日常看护"], ["2", "卫生打扫"]]
    assert filename_of(response) == "监护照料协议书_谭大有.docx"
    read = AuditEntry.objects.get(action=AuditAction.READ, actor=user)
    assert read.object_id == str(person.pk)
    assert read.object_repr == "监护照料协议书（含完整身份证号）"
    assert read.note.startswith("查阅监护照料协议书（含完整身份证号）")


def test_another_townships_person_is_404_and_logged(client, township_b_official, person, guardian):
    client.force_login(township_b_official)
    response = client.get(_url(person, guardian))
    assert response.status_code == 404
    assert NUMBER.encode() not in response.content
    assert AuditEntry.objects.filter(action=AuditAction.DENIED, actor=township_b_official).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.READ).exists()


@pytest.mark.parametrize("role", ["county_viewer", "department", "inspector", "api_client"])
def test_roles_that_may_not_see_full_id_numbers_cannot_download_it(client, personas, person, guardian, role):
    client.force_login(personas[role])
    assert client.get(_url(person, guardian)).status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.READ).exists()


def test_a_former_guardian_has_no_agreement_to_print(client, township_a_official, person, guardian):
    guardian.is_active = False
    guardian.end_date = datetime.date(2025, 1, 1)
    guardian.end_reason = "old_or_frail"
    guardian.save()
    client.force_login(township_a_official)
    assert client.get(_url(person, guardian)).status_code == 404


def test_the_person_page_links_the_agreement_for_those_who_may_print_it(
    client, township_a_official, county_viewer, person, guardian
):
    client.force_login(township_a_official)
    page = client.get(person.get_absolute_url()).content.decode()
    assert _url(person, guardian) in page
    client.force_login(county_viewer)
    page = client.get(person.get_absolute_url()).content.decode()
    assert _url(person, guardian) not in page
