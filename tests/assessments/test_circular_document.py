"""The 通报 as a Word document: the GB/T 9704 page, the 文号 and 落款 set on the 通报 page, and
the same figures and rows the page shows (assessments.selectors.ranking); another county's
program is a 404."""

import datetime

import pytest
from django.urls import reverse

from assessments import selectors
from assessments.choices import Grade
from assessments.services_circular import circular_issue_save
from tests.assessments.test_selectors import worked_example
from tests.factories import CountyFactory, PilotProgramFactory
from tests.helpers.docx import assert_official_layout, filename_of, opened, table_rows, texts, title_of

pytestmark = pytest.mark.django_db

NUMBER = "巴社试办〔2020〕3号"


@pytest.fixture
def example(county_admin, program, inspector, village_a, village_b):
    return worked_example(
        county_admin=county_admin, program=program, inspector=inspector, village_a=village_a, village_b=village_b
    )


def _issue(county_admin, program):
    return circular_issue_save(
        actor=county_admin,
        program=program,
        year=2019,
        number=NUMBER,
        addressees="各乡镇人民政府",
        issuer="巴东县试点办",
        issued_on=datetime.date(2020, 3, 16),
    )


def test_the_form_starts_from_the_number_and_signoff_set_on_the_circular_page(client, county_admin, program, example):
    _issue(county_admin, program)
    client.force_login(county_admin)
    page = client.get(reverse("assessments:circular_document"), {"program": program.code, "year": 2019})
    html = page.content.decode()
    assert page.status_code == 200
    assert f'value="{NUMBER}"' in html and 'value="巴东县试点办"' in html and 'value="2020-03-16"' in html


def test_the_document_carries_the_issue_and_the_pages_figures(client, county_admin, county_viewer, program, example):
    _issue(county_admin, program)
    client.force_login(county_viewer)
    response = client.get(
        reverse("assessments:circular_document"),
        {
            "program": program.code,
            "year": 2019,
            "document_number": NUMBER,
            "issuing_office": "巴东县试点办",
            "issue_date": "2020-03-16",
        },
    )
    document = opened(response)
    assert_official_layout(document, body_text="现将结果通报如下")
    assert title_of(document).text == f"{program.name} 2019年度试点村检查验收结果通报"
    lines = texts(document)
    assert lines[0] == "巴东县试点办文件" and NUMBER in lines
    assert "各乡镇人民政府：" in lines and "2020年3月16日" in lines
    rows = list(selectors.ranking(user=county_viewer, program=program, year=2019))
    assert len(rows) == 3
    summary = next(line for line in lines if "现将结果通报如下" in line)
    assert "对3个试点村进行了检查验收" in summary and "不合格1个" in summary
    failed, ranking = (table_rows(table) for table in document.tables)
    assert ranking[0] == ["名次", "乡镇", "村名", "总分", "等次"]
    assert ranking[1:] == [
        [str(r.rank), r.pilot.village.township.name, r.pilot.village.name, str(r.total), r.get_grade_display()]
        for r in rows
    ]
    fail = [r for r in rows if r.grade == Grade.FAIL]
    assert [row[:3] for row in failed[1:]] == [
        [r.pilot.village.township.name, r.pilot.village.name, str(r.total)] for r in fail
    ]
    excellent = next(r for r in rows if r.grade == Grade.EXCELLENT)
    assert any(f"{excellent.pilot.village.name}（{excellent.total}分）" in line for line in lines)
    assert filename_of(response) == f"{program.county.name}2019年试点村检查验收结果通报.docx"


def test_another_countys_program_is_404(client, county_admin):
    other = PilotProgramFactory(county=CountyFactory(name="六枝特区", province="贵州省", admin_code="520203"))
    client.force_login(county_admin)
    response = client.get(reverse("assessments:circular_document"), {"program": other.code, "year": 2019})
    assert response.status_code == 404
