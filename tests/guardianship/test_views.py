"""The guardianship pages: the person page (eligibility, self-care decline, guardians, visits,
change record), the forms through their services, the register and its filters, the visit
ledger, the county overview, and query counts that do not grow with the data."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from guardianship import services
from guardianship.choices import GuardianKind
from guardianship.models import Agreement, DibaoStandard, Guardian, Person, SelfCareAssessment, Visit
from tests.factories import PersonFactory, VillageFactory, id_number
from tests.helpers.excel import downloaded

ALL_CAN = dict.fromkeys(("can_eat", "can_dress", "can_transfer", "can_toilet", "can_walk_indoors", "can_bathe"), True)


@pytest.fixture
def person(village_a):
    return PersonFactory(village=village_a, name="张三", civil_capacity="limited", address="水布垭村3组")


def _visit(actor, person, day, **findings):
    return services.visit_record(actor=actor, person=person, visited_on=day, visitor_name="李干部", **findings)


def _register(client, **query):
    return client.get(reverse("guardianship:register"), query)


# --- the person page ---------------------------------------------------------------------------


def test_person_page_shows_each_eligibility_condition_with_its_reason(login, township_a_official, person, county):
    DibaoStandard.objects.create(county=county, year=timezone.localdate().year, monthly_yuan=Decimal("500"))
    person.monthly_income_yuan = Decimal("800")
    person.save()
    page = login(township_a_official).get(person.get_absolute_url()).content.decode()
    section = page[page.index('id="eligibility"') : page.index('id="self-care"')]
    assert "不符合，需摸底排查" in section
    assert "无劳动能力" in section and "60周岁以上" in section
    assert "月人均收入 800.00 元，低保标准 500.00 元" in section
    assert section.count("不满足") == 1 and section.count(">满足<") == 3


def test_person_page_warns_when_self_care_declines(login, township_a_official, person):
    services.self_care_assess(
        actor=township_a_official, person=person, assessed_on=datetime.date(2024, 1, 5), assessor="甲", **ALL_CAN
    )
    page = login(township_a_official).get(person.get_absolute_url()).content.decode()
    assert "decline-warning" not in page
    services.self_care_assess(
        actor=township_a_official,
        person=person,
        assessed_on=datetime.date(2024, 6, 5),
        assessor="乙",
        **{**ALL_CAN, "can_bathe": False, "can_dress": False},
    )
    page = login(township_a_official).get(person.get_absolute_url()).content.decode()
    assert "由“全自理”下降为“半失能”" in page
    assert "请复核供养方式和监护人" in page


def test_another_townships_person_is_404_on_every_person_page(login, township_b_official, person):
    client = login(township_b_official)
    for name in ("person_detail", "person_update", "person_exit", "self_care_assess", "visit_create"):
        assert client.get(reverse(f"guardianship:{name}", args=[person.pk])).status_code == 404, name
    response = client.post(
        reverse("guardianship:visit_create", args=[person.pk]),
        {"visited_on": timezone.localdate().isoformat(), "visitor_name": "x"},
    )
    assert response.status_code == 404
    assert not Visit.objects.exists()


def test_person_create_form_registers_through_the_service(login, township_a_official, village_a):
    number = id_number(datetime.date(1948, 2, 29), 7)
    response = login(township_a_official).post(
        reverse("guardianship:person_create"),
        {
            "name": "王老汉",
            "id_number": number,
            "village": village_a.pk,
            "kind": "elderly",
            "civil_capacity": "full",
            "support_mode": "dispersed",
            "monthly_income_yuan": "100",
            "property_ok": "on",
            "obligor_situation": "none",
        },
    )
    person = Person.objects.get(id_number=number)
    assert response.status_code == 302 and response["Location"] == person.get_absolute_url()
    assert (person.birth_date, person.gender) == (datetime.date(1948, 2, 29), "male")


def test_person_create_form_shows_a_bad_id_number_on_the_form(login, township_a_official, village_a):
    number = id_number(datetime.date(1950, 1, 1), 5)
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    response = login(township_a_official).post(
        reverse("guardianship:person_create"),
        {
            "name": "王",
            "id_number": wrong,
            "village": village_a.pk,
            "kind": "elderly",
            "support_mode": "dispersed",
            "civil_capacity": "full",
            "monthly_income_yuan": "0",
            "obligor_situation": "none",
        },
    )
    assert response.status_code == 200
    assert "公民身份号码校验位不正确" in response.content.decode()
    assert not Person.objects.exists()


def test_visit_form_defaults_to_today_and_records_the_visit(login, township_a_official, person):
    client = login(township_a_official)
    url = reverse("guardianship:visit_create", args=[person.pk])
    page = client.get(url).content.decode()
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in page
    assert page.count('role="switch"') == 7
    data = {"visited_on": timezone.localdate().isoformat(), "visitor_name": "李干部", "problems": "", "follow_up": ""}
    data.update(dict.fromkeys(services.VISIT_CHECKS, "on"))
    response = client.post(url, data)
    assert response.status_code == 302
    visit = Visit.objects.get(person=person)
    assert visit.visitor == township_a_official and visit.food_ok and visit.spirits_ok


def test_visit_form_refuses_a_failed_check_without_problems(login, township_a_official, person):
    data = {"visited_on": timezone.localdate().isoformat(), "visitor_name": "李干部"}
    data.update({name: "on" for name in services.VISIT_CHECKS if name != "heating_ok"})
    response = login(township_a_official).post(reverse("guardianship:visit_create", args=[person.pk]), data)
    assert response.status_code == 200
    assert "有未保障的项目时须写明发现的问题" in response.content.decode()
    assert not Visit.objects.exists()


def test_visit_form_refuses_a_future_date(login, township_a_official, person):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    data = {"visited_on": tomorrow.isoformat(), "visitor_name": "李干部", **dict.fromkeys(services.VISIT_CHECKS, "on")}
    response = login(township_a_official).post(reverse("guardianship:visit_create", args=[person.pk]), data)
    assert "走访日期不能晚于今天" in response.content.decode()
    assert not Visit.objects.exists()


def test_guardian_assign_shows_the_category_and_agreement_lists_duties(login, township_a_official, person):
    client = login(township_a_official)
    response = client.post(
        reverse("guardianship:guardian_assign", args=[person.pk]),
        {
            "start_date": "2024-01-02",
            "kind": GuardianKind.INDIVIDUAL,
            "name": "张大",
            "relation": "child",
            "has_close_relative": "on",
            "able_to_perform": "on",
        },
        follow=True,
    )
    guardian = Guardian.objects.get(person=person)
    assert guardian.category == "I"
    assert "监护类别：Ⅰ类（法定近亲属）" in response.content.decode()
    response = client.post(
        reverse("guardianship:agreement_sign", args=[person.pk, guardian.pk]),
        {"signed_on": "2024-01-03", "duties": ["daily_watch", "hospital_escort"]},
        follow=True,
    )
    agreement = Agreement.objects.get(guardian=guardian)
    assert agreement.duties == ["daily_watch", "hospital_escort"]
    assert "日常看护、住院陪护" in response.content.decode()


def test_agreement_without_duties_is_refused_on_the_form(login, township_a_official, person):
    guardian = services.guardian_assign(
        actor=township_a_official,
        person=person,
        start_date=datetime.date(2024, 1, 1),
        has_close_relative=True,
        kind=GuardianKind.INDIVIDUAL,
        name="张大",
    )
    response = login(township_a_official).post(
        reverse("guardianship:agreement_sign", args=[person.pk, guardian.pk]), {"signed_on": "2024-01-03"}
    )
    assert "协议须明确至少一项具体监护照料职责" in response.content.decode()
    assert not Agreement.objects.exists()


def test_guardian_replace_keeps_history_on_the_person_page(login, township_a_official, person):
    services.guardian_assign(
        actor=township_a_official,
        person=person,
        start_date=datetime.date(2024, 1, 1),
        has_close_relative=True,
        kind=GuardianKind.INDIVIDUAL,
        name="张大",
    )
    client = login(township_a_official)
    response = client.post(
        reverse("guardianship:guardian_replace", args=[person.pk]),
        {
            "reason": "old_or_frail",
            "decided_on": "2024-05-01",
            "kind": GuardianKind.VILLAGE_COMMITTEE,
            "name": "水布垭村委会",
            "able_to_perform": "on",
            "confirm": "yes",
        },
        follow=True,
    )
    page = response.content.decode()
    assert list(Guardian.objects.filter(person=person).values_list("name", "is_active")) == [
        ("水布垭村委会", True),
        ("张大", False),
    ]
    assert "Ⅲ类" in page and "监护人年老体弱" in page


def test_self_care_form_records_the_level(login, township_a_official, person):
    data = {"assessed_on": "2024-03-01", "assessor": "评估员", "can_eat": "on", "can_dress": "on"}
    response = login(township_a_official).post(reverse("guardianship:self_care_assess", args=[person.pk]), data)
    assert response.status_code == 302
    assessment = SelfCareAssessment.objects.get(person=person)
    assert (assessment.unmet_count, assessment.level) == (4, "none")


def test_person_page_shows_the_change_record(login, township_a_official, county_admin, person):
    services.person_save(actor=township_a_official, person=person, address="新住址9号")
    page = login(county_admin).get(person.get_absolute_url()).content.decode()
    log = page[page.index('id="audit-log"') :]
    assert "新住址9号" in log and "水布垭村3组" in log


def test_exit_form_exits_the_person(login, township_a_official, person):
    response = login(township_a_official).post(
        reverse("guardianship:person_exit", args=[person.pk]),
        {"reason": "死亡", "exit_date": "2024-04-01", "confirm": "yes"},
    )
    person.refresh_from_db()
    assert response.status_code == 302 and person.status == "exited" and person.exit_reason == "死亡"


def test_county_viewer_cannot_open_the_visit_form(login, county_viewer, person):
    assert login(county_viewer).get(reverse("guardianship:visit_create", args=[person.pk])).status_code == 403


# --- the register ------------------------------------------------------------------------------


def test_register_shows_visited_this_month_and_filters_on_it(login, township_a_official, village_a):
    visited = PersonFactory(village=village_a, name="已访者")
    PersonFactory(village=village_a, name="未访者")
    _visit(township_a_official, visited, timezone.localdate())
    client = login(township_a_official)
    page = _register(client).content.decode()
    assert "已访者" in page and "未访者" in page
    row = page[page.index(f'data-person="{visited.pk}"') :]
    assert "已走访" in row[: row.index("</tr>")]
    page = _register(client, visited="false").content.decode()
    assert "未访者" in page and "已访者" not in page


def test_register_filters_by_guardian_category_and_support_mode(login, township_a_official, village_a):
    guarded = PersonFactory(village=village_a, name="有监护", civil_capacity="none")
    PersonFactory(village=village_a, name="缺监护", civil_capacity="none")
    PersonFactory(village=village_a, name="集中者", support_mode="concentrated", institution="镇福利院")
    services.guardian_assign(
        actor=township_a_official,
        person=guarded,
        start_date=datetime.date(2024, 1, 1),
        has_close_relative=True,
        kind=GuardianKind.INDIVIDUAL,
        name="亲属",
    )
    client = login(township_a_official)
    page = _register(client, guardian_category="missing").content.decode()
    assert "缺监护" in page and "有监护" not in page
    page = _register(client, guardian_category="I").content.decode()
    assert "有监护" in page and "缺监护" not in page
    page = _register(client, support_mode="concentrated").content.decode()
    assert "集中者" in page and "缺监护" not in page


def test_register_takes_the_apis_month_filters_without_showing_them(login, township_a_official, village_a):
    visited = PersonFactory(village=village_a, name="本月已访")
    PersonFactory(village=village_a, name="本月未访")
    _visit(township_a_official, visited, timezone.localdate())
    month = f"{timezone.localdate():%Y-%m}"
    client = login(township_a_official)
    page = _register(client, visited_in=month).content.decode()
    assert "本月已访" in page and "本月未访" not in page
    # Kept for the next filter submission, but not offered as a field of the page's form.
    assert f'type="hidden" name="visited_in" value="{month}"' in page and "当月已走访" not in page
    page = _register(client, not_visited_in=month).content.decode()
    assert "本月未访" in page and "本月已访" not in page


def test_register_shows_only_own_township(login, township_b_official, village_a, village_b):
    PersonFactory(village=village_a, name="甲镇人")
    PersonFactory(village=village_b, name="乙镇人")
    page = _register(login(township_b_official)).content.decode()
    assert "乙镇人" in page and "甲镇人" not in page


def test_register_with_another_townships_village_shows_no_rows(login, township_b_official, village_a, village_b):
    PersonFactory(village=village_b, name="乙镇人")
    page = _register(login(township_b_official), village=village_a.pk).content.decode()
    assert "乙镇人" not in page and "没有符合条件的人员" in page


def _fill(village, count):
    for _ in range(count):
        PersonFactory(village=village)


def test_register_query_count_does_not_grow_with_persons(
    login, township_a_official, village_a, django_assert_num_queries
):
    client = login(township_a_official)
    _fill(village_a, 2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # Once first, so what a process reads once (the content types of the audit entry) is read.
    _register(client)
    cache.clear()
    with CaptureQueriesContext(connection) as small:
        assert _register(client).status_code == 200
    _fill(VillageFactory(township=village_a.township), 30)
    # The filter bar's choices are kept per data version, which the test's writes (outside a
    # committed transaction) do not bump: compare like with like.
    cache.clear()
    with django_assert_num_queries(len(small.captured_queries)):
        page = _register(client).content.decode()
    assert page.count("data-person=") == 32


def test_register_reads_its_rows_and_total_in_one_statement(login, township_a_official, village_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _fill(village_a, 3)
    client = login(township_a_official)
    with CaptureQueriesContext(connection) as queries:
        page = _register(client).content.decode()
    assert page.count("data-person=") == 3
    # No separate COUNT(*): the total is a window count of the rows' own statement.
    statements = [q["sql"] for q in queries.captured_queries if 'FROM "guardianship_person"' in q["sql"]]
    assert len(statements) == 1 and "COUNT(*) OVER ()" in statements[0]


def test_visit_matrix_query_count_does_not_grow_with_persons(
    login, township_a_official, village_a, django_assert_num_queries
):
    client = login(township_a_official)
    today = timezone.localdate()
    for person in [PersonFactory(village=village_a) for _ in range(2)]:
        _visit(township_a_official, person, today)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(reverse("guardianship:visit_matrix"))
    for person in [PersonFactory(village=village_a) for _ in range(25)]:
        _visit(township_a_official, person, today)
    with django_assert_num_queries(len(small.captured_queries)):
        page = client.get(reverse("guardianship:visit_matrix")).content.decode()
    assert page.count(f">{today.month}/{today.day}<") == 27


# --- the visit ledger and the overview -----------------------------------------------------------


def test_visit_matrix_shows_dates_and_missed_months(login, township_a_official, village_a):
    today = timezone.localdate()
    seen = PersonFactory(village=village_a, name="已访者")
    PersonFactory(village=village_a, name="未访者")
    PersonFactory(village=village_a, name="院里人", support_mode="concentrated", institution="福利院")
    _visit(township_a_official, seen, today)
    page = login(township_a_official).get(reverse("guardianship:visit_matrix")).content.decode()
    assert "院里人" not in page
    seen_row = page[page.index("已访者") :]
    seen_row = seen_row[: seen_row.index("</tr>")]
    assert f">{today.month}/{today.day}<" in seen_row
    missed_row = page[page.index("未访者") :]
    assert missed_row[: missed_row.index("</tr>")].count("未走访") == today.month
    # The print layout is the page's own stylesheet (the Content-Security-Policy allows no inline style).
    assert "guardianship/visit_matrix.css" in page
    from django.contrib.staticfiles import finders

    with open(finders.find("guardianship/visit_matrix.css"), encoding="utf-8") as stylesheet:
        assert "@media print" in stylesheet.read()


def test_visit_matrix_export_has_a_date_or_unvisited_per_month(login, township_a_official, village_a):
    today = timezone.localdate()
    seen = PersonFactory(village=village_a, name="已访者")
    _visit(township_a_official, seen, today)
    response = login(township_a_official).get(reverse("guardianship:visit_matrix_export"), {"year": today.year})
    sheet = downloaded(response).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == ("乡镇", "村名", "姓名", "状态")
    assert rows[2][2] == "已访者"
    assert rows[2][3 + today.month].date() == today
    assert rows[2][3 + (today.month % 12) + 1] == "未走访"


def test_visit_matrix_for_another_township_is_404(login, township_b_official, township_a):
    response = login(township_b_official).get(reverse("guardianship:visit_matrix"), {"township": township_a.pk})
    assert response.status_code == 404


def test_overview_counts_coverage_and_gaps_per_township(login, county_admin, township_a_official, village_a, village_b):
    visited = PersonFactory(village=village_a)
    PersonFactory(village=village_a, civil_capacity="none")
    PersonFactory(village=village_b)
    _visit(township_a_official, visited, timezone.localdate())
    page = login(county_admin).get(reverse("guardianship:overview")).content.decode()
    row_a = page[page.index(f'data-township="{village_a.township_id}"') :]
    row_a = row_a[: row_a.index("</tr>")]
    assert '"在册人员" class="num">2<' in row_a
    assert '"本月已走访" class="num">1<' in row_a
    assert "50%" in row_a
    assert '"缺监护人" class="num bad">1<' in row_a
    row_b = page[page.index(f'data-township="{village_b.township_id}"') :]
    assert "0%" in row_b[: row_b.index("</tr>")]


def test_overview_query_count_does_not_grow_with_townships(client, county_admin, county):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import TownshipFactory

    def townships_with_persons(n):
        for _ in range(n):
            village = VillageFactory(township=TownshipFactory(county=county))
            PersonFactory(village=village)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("guardianship:overview"))
        assert response.status_code == 200
        return len(queries), response

    client.force_login(county_admin)
    townships_with_persons(2)
    small, _ = count()
    townships_with_persons(6)
    large, response = count()
    assert large == small
    assert len(response.context["rows"]) == 8
