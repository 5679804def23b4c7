"""The 通报's 文号 and 落款: the county office sets them (a township is refused, another
county's program is a 404), every change is audited, a malformed 文号 is refused in Chinese, and
the circular page and its Excel export carry them."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assessments.models import CircularIssue
from assessments.services_circular import circular_issue_save
from pilot_admin.choices import AuditAction, Role
from pilot_admin.models import AuditEntry
from tests.assessments.test_selectors import worked_example
from tests.factories import CountyFactory, PilotProgramFactory, UserFactory
from tests.helpers.excel import downloaded, sheet_rows

ISSUER = "巴东县农村社区建设试点工作领导小组办公室"


def _url(program, year=2019):
    return f"{reverse('assessments:circular_issue')}?program={program.code}&year={year}"


def _form(number="巴社试办〔2020〕3号", issued_on="2020-03-16", **fields):
    return {
        "number": number,
        "addressees": "各乡镇人民政府，县直有关部门",
        "issuer": ISSUER,
        "issued_on": issued_on,
    } | fields


def _save(actor, program, **fields):
    values = {"number": "巴社试办〔2020〕3号", "issuer": ISSUER, "issued_on": datetime.date(2020, 3, 16)} | fields
    return circular_issue_save(actor=actor, program=program, year=2019, **values)


def test_county_office_sets_number_and_signoff_and_the_write_is_audited(county_admin, program):
    issue = _save(county_admin, program)
    entry = AuditEntry.objects.get(object_id=str(issue.pk), content_type__model="circularissue")
    assert entry.actor == county_admin and entry.action == AuditAction.CREATE
    assert entry.changes["number"]["new"] == "巴社试办〔2020〕3号"


def test_a_second_save_changes_the_one_issue_and_audits_what_changed(county_admin, program):
    first = _save(county_admin, program)
    second = _save(county_admin, program, number="巴社试办〔2020〕4号")
    assert second.pk == first.pk and CircularIssue.objects.count() == 1
    update = AuditEntry.objects.get(object_id=str(first.pk), action=AuditAction.UPDATE)
    assert update.changes == {"number": {"label": "文号", "old": "巴社试办〔2020〕3号", "new": "巴社试办〔2020〕4号"}}


@pytest.mark.parametrize("role", ["township_a", "county_viewer", "inspector", "department"])
def test_other_roles_may_not_set_it(personas, program, role):
    with pytest.raises(PermissionDenied):
        _save(personas[role], program)
    assert not CircularIssue.objects.exists()


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("巴社试办2020年3号", "文号应为“发文机关代字〔年份〕序号号”"),
        ("巴社试办〔2020〕03号", "序号不编虚位"),
        ("巴社试办〔2020〕第3号", "不加“第”"),
        ("巴社试办〔20〕3号", "年份用六角括号〔〕"),
        ("巴社试办〔2019〕3号", "文号中的年份 2019 应与成文日期的年份 2020 一致"),
    ],
)
def test_a_malformed_number_is_refused_with_a_chinese_message(county_admin, program, number, message):
    with pytest.raises(ValidationError) as error:
        _save(county_admin, program, number=number)
    assert message in " ".join(error.value.message_dict["number"])
    assert not CircularIssue.objects.exists() and not AuditEntry.objects.filter(content_type__model="circularissue")


def test_a_year_outside_the_program_is_refused(county_admin, program):
    with pytest.raises(ValidationError) as error:
        circular_issue_save(
            actor=county_admin,
            program=program,
            year=2015,
            number="巴社试办〔2020〕3号",
            issuer=ISSUER,
            issued_on=datetime.date(2020, 3, 16),
        )
    assert error.value.message_dict["year"] == ["年度应在 2016–2020 之间。"]


def test_county_office_saves_through_the_page_with_typed_brackets(login, county_admin, program):
    response = login(county_admin).post(_url(program), _form(number="巴社试办 [2020] 3号"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('assessments:circular')}?program={program.code}&year=2019"
    issue = CircularIssue.objects.get(program=program, year=2019)
    assert issue.number == "巴社试办〔2020〕3号" and issue.issuer == ISSUER
    assert AuditEntry.objects.filter(actor=county_admin, content_type__model="circularissue").count() == 1


def test_the_page_shows_a_bad_number_as_a_field_error(login, county_admin, program):
    response = login(county_admin).post(_url(program), _form(number="巴社试办〔2020〕第3号"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "不加“第”" in page and 'class="field-error"' in page
    assert not CircularIssue.objects.exists()


def test_a_township_official_gets_403_and_writes_nothing(login, township_a_official, program):
    client = login(township_a_official)
    assert client.get(_url(program)).status_code == 403
    assert client.post(_url(program), _form()).status_code == 403
    assert not CircularIssue.objects.exists()


def test_another_countys_program_is_404(login, county_admin):
    other = PilotProgramFactory(county=CountyFactory(name="六枝特区", province="贵州省", admin_code="520203"))
    client = login(county_admin)
    assert client.get(_url(other, 2019)).status_code == 404
    assert client.post(_url(other, 2019), _form()).status_code == 404
    assert not CircularIssue.objects.exists()


def test_the_other_countys_office_cannot_reach_this_program_through_the_service(county_admin, program):
    other_county = CountyFactory(name="六枝特区", province="贵州省", admin_code="520203")
    other_admin = UserFactory(username="liuzhi_admin", role=Role.COUNTY_ADMIN, county=other_county)
    with pytest.raises(program.DoesNotExist):
        _save(other_admin, program)


@pytest.fixture
def example(county_admin, program, inspector, village_a, village_b):
    return worked_example(
        county_admin=county_admin, program=program, inspector=inspector, village_a=village_a, village_b=village_b
    )


def test_circular_shows_number_under_the_title_and_the_signoff_after_the_table(
    login, county_viewer, county_admin, program, example
):
    _save(county_admin, program, addressees="各乡镇人民政府，县直有关部门")
    page = (
        login(county_viewer)
        .get(reverse("assessments:circular"), {"program": program.code, "year": 2019})
        .content.decode()
    )
    title, number = page.index('class="circular-title"'), page.index('id="circular-number"')
    table_end, signoff = page.index("</table>", page.index('id="circular-table"')), page.index('id="circular-signoff"')
    assert title < number < table_end < signoff
    assert "巴社试办〔2020〕3号" in page and ISSUER in page and "2020年3月16日" in page
    assert "各乡镇人民政府，县直有关部门：" in page
    assert "修改文号和落款" not in page  # a county viewer reads it, the office edits it


def test_circular_without_an_issue_warns_the_office_before_it_prints(login, county_admin, program, example):
    page = (
        login(county_admin)
        .get(reverse("assessments:circular"), {"program": program.code, "year": 2019})
        .content.decode()
    )
    assert "这份通报还没有文号和落款" in page and "设置文号和落款" in page
    assert 'id="circular-signoff"' not in page


def test_excel_export_title_carries_the_number(login, county_admin, program, example):
    _save(county_admin, program)
    response = login(county_admin).get(reverse("assessments:circular_export"), {"program": program.code, "year": 2019})
    rows = sheet_rows(downloaded(response).active)
    assert rows[0][0] == "巴东县“十三五”农村社区建设试点 2019年度试点村检查验收结果通报（巴社试办〔2020〕3号）"
