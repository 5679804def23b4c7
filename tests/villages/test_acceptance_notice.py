"""试点村验收通知 as a Word document: the GB/T 9704 page, the heading, the 文号 and every pilot
accepted in the year as the database has it; a township sees its own pilots only."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import PilotAssignmentFactory, VillageFactory
from tests.helpers.docx import assert_official_layout, filename_of, opened, table_rows, texts, title_of
from villages.choices import PilotLevel, PilotStatus
from villages.models import PilotAssignment

pytestmark = pytest.mark.django_db

NUMBER = "巴试点办发〔2019〕5号"
QUERY = {"year": 2019, "document_number": NUMBER, "issuing_office": "巴东县试点办", "issue_date": "2019-12-20"}


def _accepted(program, village, *, on, number, year=2017, level=PilotLevel.COUNTY):
    return PilotAssignmentFactory(
        program=program,
        village=village,
        year=year,
        level=level,
        status=PilotStatus.ACCEPTED,
        accepted_on=on,
        acceptance_document_no=number,
    )


@pytest.fixture
def pilots(program, village_a, village_b, township_a):
    other_a = VillageFactory(township=township_a, name="三友坪村")
    return {
        "a": _accepted(program, village_a, on=datetime.date(2019, 11, 5), number="巴民发〔2019〕12号"),
        "b": _accepted(program, village_b, on=datetime.date(2019, 3, 1), number="巴民发〔2019〕3号", year=2018),
        # Accepted the year before, and approved but not accepted: neither is in 2019's notice.
        "earlier": _accepted(program, other_a, on=datetime.date(2018, 12, 31), number="巴民发〔2018〕9号"),
        "approved": PilotAssignmentFactory(
            program=program, village=VillageFactory(township=township_a), status=PilotStatus.APPROVED
        ),
    }


def _expected_rows(queryset):
    return [
        [
            str(index),
            p.village.township.name,
            p.village.name,
            f"{p.year}年",
            p.get_level_display(),
            f"{p.accepted_on:%Y-%m-%d}",
            p.acceptance_document_no,
        ]
        for index, p in enumerate(queryset.order_by("village__township__name", "village__name"), start=1)
    ]


def test_the_notice_lists_the_years_accepted_pilots_in_the_official_layout(client, county_admin, program, pilots):
    client.force_login(county_admin)
    response = client.get(reverse("villages:acceptance_notice"), {"program": program.code, **QUERY})
    document = opened(response)
    assert_official_layout(document, body_text="通过验收")
    assert title_of(document).text == "关于2019年度农村社区建设试点村验收结果的通知"
    lines = texts(document)
    assert lines[0] == "巴东县试点办文件"
    assert NUMBER in lines
    assert "2019年12月20日" in lines
    accepted = PilotAssignment.objects.filter(program=program, status=PilotStatus.ACCEPTED, accepted_on__year=2019)
    assert accepted.count() == 2
    assert any("2019年度共有2个试点村通过验收" in line for line in lines)
    rows = table_rows(document.tables[0])
    assert rows[0] == ["序号", "乡镇", "村", "试点年度", "级别", "验收日期", "验收文号"]
    assert rows[1:] == _expected_rows(accepted)
    assert filename_of(response) == f"{program.county.name}2019年试点村验收通知.docx"


def test_a_township_gets_only_its_own_pilots(client, township_a_official, program, pilots):
    client.force_login(township_a_official)
    document = opened(client.get(reverse("villages:acceptance_notice"), {"program": program.code, **QUERY}))
    rows = table_rows(document.tables[0])[1:]
    assert [row[2] for row in rows] == [pilots["a"].village.name]


def test_without_the_head_fields_the_page_asks_for_them(client, county_admin, program, pilots):
    client.force_login(county_admin)
    response = client.get(reverse("villages:acceptance_notice"), {"program": program.code, "year": 2019})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "2019年验收的试点村共 2 个" in page and 'name="document_number"' in page
    response = client.get(
        reverse("villages:acceptance_notice"), {"program": program.code, **QUERY, "document_number": "巴试点办发2019"}
    )
    assert response["Content-Type"].startswith("text/html")
    assert "发文字号应以“号”结尾" in response.content.decode()


def test_another_countys_program_is_404(client, county_admin, pilots):
    from tests.factories import CountyFactory, PilotProgramFactory

    foreign = PilotProgramFactory(code="elsewhere", county=CountyFactory(name="建始县", admin_code="422822"))
    client.force_login(county_admin)
    response = client.get(reverse("villages:acceptance_notice"), {"program": foreign.code, **QUERY})
    assert response.status_code == 404
