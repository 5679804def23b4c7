"""The township official's pages: every form posts to one service and leaves an audit entry
with the address; another township's ids are 404; a refusal comes back on the form."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pilot_admin.models import AuditEntry
from supervision.choices import CommitteeStatus, ElectionStatus
from supervision.models import Candidate, Committee, ElectionDocument, ExpenseReview, Meeting, VillageCadre
from tests.factories import id_number
from tests.helpers.excel import workbook_bytes
from tests.supervision.conftest import add_candidates

ADDRESS = "10.9.9.9"


def _post(client, url, data, *, follow=False):
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.post(url, data, REMOTE_ADDR=ADDRESS, follow=follow)
    entries = AuditEntry.objects.filter(id__gt=before)
    return response, entries


def _audited(entries, user):
    assert entries.filter(actor=user).exists()
    assert set(entries.values_list("ip_address", flat=True)) == {ADDRESS}


def test_register_a_cadre_and_a_relative(client, township_a_official, village_a):
    client.force_login(township_a_official)
    response, entries = _post(
        client,
        reverse("supervision:cadre_create"),
        {
            "village": village_a.pk,
            "name": "李村长",
            "post": "committee_chair",
            "id_number": id_number(datetime.date(1970, 3, 1), 11),
            "is_party_member": "on",
            "term_start": "2021-05-01",
            "term_end": "2026-04-30",
        },
    )
    assert response.status_code == 302
    cadre = VillageCadre.objects.get()
    assert cadre.birth_date == datetime.date(1970, 3, 1)
    _audited(entries, township_a_official)
    response, entries = _post(
        client,
        reverse("supervision:relative_create", args=[cadre.pk]),
        {"name": "王芳", "relation": "spouse", "birth_date": "1972-02-02"},
    )
    assert response.status_code == 302
    assert cadre.relatives.get().name == "王芳"
    _audited(entries, township_a_official)
    page = client.get(reverse("supervision:cadre_list")).content.decode()
    assert "李村长" in page and "422823********" in page


def test_cadre_form_refuses_a_bad_id_number_on_the_field(client, township_a_official, village_a):
    client.force_login(township_a_official)
    response = client.post(
        reverse("supervision:cadre_create"),
        {"village": village_a.pk, "name": "甲", "post": "bookkeeper", "id_number": "123", "term_start": "2021-05-01"},
    )
    assert response.status_code == 200
    assert not VillageCadre.objects.exists()
    assert "公民身份号码应为18位" in response.content.decode()


def test_a_township_official_cannot_register_in_another_township(client, township_b_official, village_a):
    client.force_login(township_b_official)
    response = client.post(
        reverse("supervision:cadre_create"),
        {"village": village_a.pk, "name": "甲", "post": "bookkeeper", "term_start": "2021-05-01"},
    )
    assert response.status_code == 200
    assert not VillageCadre.objects.exists()
    assert "选择一个有效的选项" in response.content.decode()


def test_the_election_wizard_to_filing_then_a_meeting_and_a_review(
    client, township_a_official, village_a, chair_of_villagers
):
    client.force_login(township_a_official)
    response, entries = _post(
        client,
        reverse("supervision:committee_create"),
        {
            "village": village_a.pk,
            "term_start": "2021-05-01",
            "term_end": "2026-04-30",
            "seats": 3,
            "scheduled_on": "2021-05-20",
        },
    )
    assert response.status_code == 302
    committee = Committee.objects.get()
    election = committee.election
    _audited(entries, township_a_official)
    for n in range(4):
        response, entries = _post(
            client,
            reverse("supervision:candidate_create", args=[election.pk]),
            {"name": f"候选人{n}", "birth_date": f"197{n}-01-01", "nomination": "representatives", "is_resident": "on"}
            | ({"is_party_member": "on"} if n == 0 else {}),
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        _audited(entries, township_a_official)
    candidates = list(Candidate.objects.order_by("name"))
    pdf = SimpleUploadedFile("提名.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n", "application/pdf")
    steps = [
        ("nominate", {"nominated_on": "2021-05-05", "document": pdf}),
        ("vet", {"vetted_on": "2021-05-08", "formal": [c.pk for c in candidates]}),
        ("approve", {"approved_on": "2021-05-12", "reference": "党委〔2021〕5号"}),
        (
            "hold",
            {
                "held_on": "2021-05-20",
                "assembly": "representatives",
                "representatives_total": 30,
                "representatives_present": 20,
            }
            | {f"votes_{c.pk}": 20 - n for n, c in enumerate(candidates)},
        ),
    ]
    for step, data in steps:
        response, entries = _post(client, reverse("supervision:election_step", args=[election.pk, step]), data)
        assert response.status_code == 302, (step, response.content.decode()[:3000])
        _audited(entries, township_a_official)
    members = list(committee.members.order_by("name"))
    response, entries = _post(
        client,
        reverse("supervision:election_step", args=[election.pk, "chair"]),
        {"chosen_on": "2021-05-20", "chair": members[0].pk} | {f"subgroup_{m.pk}": "assets" for m in members},
    )
    assert response.status_code == 302
    response, entries = _post(
        client, reverse("supervision:election_step", args=[election.pk, "file"]), {"filed_on": "2021-05-25"}
    )
    assert response.status_code == 302
    committee.refresh_from_db()
    election.refresh_from_db()
    assert (committee.status, election.status) == (CommitteeStatus.ACTIVE, ElectionStatus.FILED)
    assert ElectionDocument.objects.get().step == ElectionStatus.PREPARING
    _audited(entries, township_a_official)

    response, entries = _post(
        client,
        reverse("supervision:meeting_create", args=[committee.pk]),
        {
            "held_on": "2021-06-28",
            "attendees": [m.pk for m in members],
            "matters": "六月村务公开",
            "subject": "同意公开",
            "votes_for": 2,
            "votes_against": 1,
        },
    )
    assert response.status_code == 302
    assert Meeting.objects.get().decisions.get().passed
    _audited(entries, township_a_official)
    response, entries = _post(
        client,
        reverse("supervision:review_create", args=[committee.pk]),
        {
            "period_start": "2021-06-01",
            "reviewed_on": "2021-07-02",
            "vouchers_reviewed": 5,
            "vouchers_stamped": 4,
            "refused": "记-0612 无经办人签字",
        },
    )
    assert response.status_code == 302
    assert ExpenseReview.objects.get().refusals.get().reason == "无经办人签字"
    _audited(entries, township_a_official)
    page = client.get(committee.get_absolute_url()).content.decode()
    assert "六月村务公开" in page and "记-0612（无经办人签字）" in page


def test_a_refused_step_comes_back_on_the_form(client, township_a_official, committee):
    client.force_login(township_a_official)
    candidates = add_candidates(township_a_official, committee.election, 4)
    response = client.post(
        reverse("supervision:election_step", args=[committee.election.pk, "vet"]),
        {"vetted_on": "2021-05-08", "formal": [c.pk for c in candidates]},
    )
    assert response.status_code == 200
    committee.election.refresh_from_db()
    assert committee.election.status == ElectionStatus.PREPARING
    assert "此操作只能在“已提名候选人”时进行" in response.content.decode()


@pytest.mark.parametrize(
    "name",
    ["committee_detail", "meeting_create", "review_create", "election_detail", "candidate_create", "election_step"],
)
def test_another_townships_committee_is_a_404(client, township_b_official, committee, name):
    client.force_login(township_b_official)
    pk = committee.election.pk if name.startswith(("election", "candidate")) else committee.pk
    args = [pk, "nominate"] if name == "election_step" else [pk]
    assert client.get(reverse(f"supervision:{name}", args=args)).status_code == 404
    if not name.endswith("_detail"):
        assert client.post(reverse(f"supervision:{name}", args=args), {}).status_code == 404


def test_cadre_import_is_all_or_nothing_with_row_and_column_errors(client, township_a_official, village_a):
    from pilot_admin.excel import import_kinds

    kind = import_kinds.get("village-cadres")
    headers = ["乡镇", "村名", "姓名", "职务", "公民身份号码", "出生日期", "任职开始日期"]
    good = [village_a.township.name, village_a.name, "张书记", "村党组织书记", "", "1968-01-01", "2021-05-01"]
    bad_post = [village_a.township.name, village_a.name, "王会计", "会计", "", "", "2021-05-01"]
    bad_village = [village_a.township.name, "无此村", "赵秘书", "村秘书", "", "", "2021-05-01"]
    bad_id = [village_a.township.name, village_a.name, "钱委员", "村委会委员", "422823197001010000", "", "2021-05-01"]
    import io

    result = kind.run(
        actor=township_a_official,
        file=io.BytesIO(workbook_bytes(headers, [good, bad_post, bad_village, bad_id])),
        dry_run=False,
    )
    assert not VillageCadre.objects.exists()
    found = {(error.row, error.column) for error in result.errors}
    assert {(3, "职务"), (4, "村名"), (5, "公民身份号码")} <= found
    result = kind.run(actor=township_a_official, file=io.BytesIO(workbook_bytes(headers, [good, good])), dry_run=False)
    assert [(e.row, e.message) for e in result.errors] == [(3, "与第 2 行重复。")]
    result = kind.run(actor=township_a_official, file=io.BytesIO(workbook_bytes(headers, [good])), dry_run=False)
    assert not result.errors
    assert VillageCadre.objects.get().post == "party_secretary"
    assert AuditEntry.objects.filter(content_type__model="villagecadre", note="Excel导入").count() == 1
