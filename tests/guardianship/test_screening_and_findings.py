import datetime
from decimal import Decimal

from django.urls import reverse

from guardianship.choices import FindingStatus, ObligorSituation
from guardianship.models import DibaoStandard, SupervisionFinding
from tests.factories import PersonFactory


def test_screening_flags_ineligible_persons_with_the_failing_condition(client, county_admin, county, village_a):
    DibaoStandard.objects.create(county=county, year=datetime.date.today().year, monthly_yuan=Decimal("450"))
    PersonFactory(village=village_a, name="符合条件")
    PersonFactory(village=village_a, name="女儿远嫁", obligor_situation=ObligorSituation.ABLE)
    PersonFactory(village=village_a, name="收入过线", monthly_income_yuan=Decimal("450"))
    client.force_login(county_admin)
    page = client.get(reverse("guardianship:screening")).content.decode()
    assert "共核查在册人员 3 人，其中 2 人" in page
    assert "女儿远嫁" in page and "有能履行义务的义务人" in page
    assert "收入过线" in page and "月人均收入 450.00 元，低保标准 450.00 元" in page
    assert "符合条件</a>" not in page


def test_screening_shows_only_the_officials_township(client, township_b_official, village_a):
    PersonFactory(village=village_a, name="甲镇人员", obligor_situation=ObligorSituation.ABLE)
    client.force_login(township_b_official)
    assert "甲镇人员" not in client.get(reverse("guardianship:screening")).content.decode()


def test_county_records_a_finding_and_the_township_reports_the_result(
    client, county_admin, township_a_official, township_a, village_a
):
    person = PersonFactory(village=village_a)
    client.force_login(county_admin)
    response = client.post(
        reverse("guardianship:finding_create"),
        {
            "township": township_a.pk,
            "person": person.pk,
            "found_on": "2024-03-01",
            "problem": "监护人不闻不问",
            "deadline": "2024-03-31",
            "requires_guardian_replacement": "on",
        },
    )
    assert response.status_code == 302
    finding = SupervisionFinding.objects.get()
    assert finding.requires_guardian_replacement and finding.status == FindingStatus.OPEN

    client.force_login(township_a_official)
    client.post(reverse("guardianship:finding_resolve", args=[finding.pk]), {"result": "已更换监护人"})
    finding.refresh_from_db()
    assert (finding.status, finding.result) == (FindingStatus.RESOLVED, "已更换监护人")
    assert "已更换监护人" in client.get(reverse("guardianship:finding_list")).content.decode()


def test_a_finding_needs_a_result_to_be_resolved(client, county_admin, township_a_official, township_a):
    finding = SupervisionFinding.objects.create(
        township=township_a,
        found_on=datetime.date(2024, 3, 1),
        problem="台账不全",
        deadline=datetime.date(2024, 4, 1),
        found_by=county_admin,
    )
    client.force_login(township_a_official)
    response = client.post(reverse("guardianship:finding_resolve", args=[finding.pk]), {"result": " "}, follow=True)
    assert "请填写整改结果。" in response.content.decode()
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_visit_form_stores_photos_shown_on_the_person_page(client, township_a_official, village_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from guardianship.models import VisitPhoto

    person = PersonFactory(village=village_a)
    client.force_login(township_a_official)
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 16
    response = client.post(
        reverse("guardianship:visit_create", args=[person.pk]),
        {
            "visited_on": datetime.date.today().isoformat(),
            "visitor_name": "包村干部",
            "food_ok": "on",
            "clothing_ok": "on",
            "housing_safe": "on",
            "medical_ok": "on",
            "hygiene_ok": "on",
            "heating_ok": "on",
            "spirits_ok": "on",
            "photos": [SimpleUploadedFile("灶房.png", png)],
        },
    )
    assert response.status_code == 302
    photo = VisitPhoto.objects.get(visit__person=person)
    page = client.get(person.get_absolute_url()).content.decode()
    assert reverse("guardianship:visit_photo", args=[photo.pk]) in page
    download = client.get(reverse("guardianship:visit_photo", args=[photo.pk]))
    assert b"".join(download.streaming_content) == png


def test_a_photo_that_is_not_an_image_stops_the_whole_visit(client, township_a_official, village_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from guardianship.models import Visit

    person = PersonFactory(village=village_a)
    client.force_login(township_a_official)
    response = client.post(
        reverse("guardianship:visit_create", args=[person.pk]),
        {
            "visited_on": datetime.date.today().isoformat(),
            "visitor_name": "包村干部",
            "food_ok": "on",
            "clothing_ok": "on",
            "housing_safe": "on",
            "medical_ok": "on",
            "hygiene_ok": "on",
            "heating_ok": "on",
            "spirits_ok": "on",
            "photos": [SimpleUploadedFile("照片.png", b"MZ not an image")],
        },
    )
    assert response.status_code == 200
    assert "内容与扩展名不符" in response.content.decode()
    assert not Visit.objects.filter(person=person).exists()


def test_a_self_care_decline_alerts_the_township_in_its_inbox(township_a_official, township_b_official, village_a):
    from guardianship import services
    from pilot_admin.models import Notification

    person = PersonFactory(village=village_a)
    able = dict.fromkeys(["can_eat", "can_dress", "can_transfer", "can_toilet", "can_walk_indoors", "can_bathe"], True)
    services.self_care_assess(
        actor=township_a_official, person=person, assessed_on=datetime.date(2024, 1, 5), assessor="乡镇民政", **able
    )
    assert not Notification.objects.exists()
    worse = {**able, "can_bathe": False, "can_toilet": False}
    services.self_care_assess(
        actor=township_a_official, person=person, assessed_on=datetime.date(2024, 6, 5), assessor="乡镇民政", **worse
    )
    (note,) = Notification.objects.all()
    assert note.user == township_a_official
    assert note.title == f"【自理能力下降】{person.name}：全自理 → 半失能"
    assert note.link == person.get_absolute_url()
