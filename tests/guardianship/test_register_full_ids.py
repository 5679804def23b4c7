"""显示完整身份证号 does what it says on the register page: the list masks ID numbers by default;
a role that may see them (the county office, townships) asks and the page shows them in full,
and that read is in the audit trail; for the county office the export then carries them too
(audited as before); a role that may not ask gets masks and no such link."""

import datetime

import pytest
from django.urls import reverse

from guardianship.rules import mask_id_number
from guardianship.services import FULL_ID_REGISTER_READ
from pilot_admin.choices import AuditAction
from pilot_admin.models import AuditEntry
from tests.factories import PersonFactory, id_number
from tests.helpers.excel import downloaded, sheet_rows

NUMBER = id_number(datetime.date(1952, 9, 1), 407)
MASKED = mask_id_number(NUMBER)


@pytest.fixture
def person(village_a):
    return PersonFactory(village=village_a, id_number=NUMBER, birth_date=datetime.date(1952, 9, 1), name="谭二")


def _ids(page: str) -> str:
    start = page.index('id="register"')
    return page[start : page.index("</table>", start)]


@pytest.mark.parametrize("role", ["county_admin", "township_a"])
def test_register_masks_by_default_and_shows_full_numbers_when_asked(client, personas, person, role):
    user = personas[role]
    client.force_login(user)
    page = client.get(reverse("guardianship:register")).content.decode()
    assert MASKED in _ids(page) and NUMBER not in page
    assert "显示完整身份证号（将记入审计日志）" in page
    assert not AuditEntry.objects.filter(object_repr=FULL_ID_REGISTER_READ).exists()

    page = client.get(reverse("guardianship:register"), {"full_id": "1", "support_mode": "dispersed"}).content.decode()
    assert NUMBER in _ids(page)
    assert "本页显示完整身份证号，已记入审计日志" in page and "隐藏完整身份证号" in page
    entry = AuditEntry.objects.get(object_repr=FULL_ID_REGISTER_READ)
    assert (entry.actor, entry.action) == (user, AuditAction.READ)
    assert entry.changes["rows"]["new"] == 1 and "support_mode=dispersed" in entry.changes["filter"]["new"]


def test_county_office_export_follows_the_page(client, county_admin, person):
    client.force_login(county_admin)
    page = client.get(reverse("guardianship:register"), {"full_id": "1"}).content.decode()
    form = page[page.index('id="register-export"') : page.index("</form>", page.index('id="register-export"'))]
    assert 'name="full_id" value="1"' in form and "导出 Excel（完整身份证号" in form
    rows = sheet_rows(downloaded(client.get(reverse("guardianship:register_export"), {"full_id": "1"})).active)
    assert rows[1][rows[0].index("公民身份号码")] == NUMBER


def test_township_sees_full_numbers_on_the_page_but_its_export_stays_masked(client, township_a_official, person):
    client.force_login(township_a_official)
    page = client.get(reverse("guardianship:register"), {"full_id": "1"}).content.decode()
    assert NUMBER in _ids(page)
    assert "导出 Excel（身份证号脱敏）" in page
    rows = sheet_rows(downloaded(client.get(reverse("guardianship:register_export"), {"full_id": "1"})).active)
    assert rows[1][rows[0].index("公民身份号码")] == MASKED


def test_a_viewer_cannot_ask_for_full_numbers(client, county_viewer, person):
    client.force_login(county_viewer)
    page = client.get(reverse("guardianship:register"), {"full_id": "1"}).content.decode()
    assert NUMBER not in page and MASKED in _ids(page)
    assert "显示完整身份证号" not in page
    assert not AuditEntry.objects.filter(object_repr=FULL_ID_REGISTER_READ).exists()
