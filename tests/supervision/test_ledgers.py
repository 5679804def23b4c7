"""The committees' Excel ledgers: the roster (no birth dates or ID numbers, ages instead), the
meeting and review ledger per committee and month, scoping, the audit of each download, and
the buttons on the committees' page."""

import datetime
from io import BytesIO

from django.urls import reverse
from openpyxl import load_workbook

from pilot_admin.models import AuditEntry
from supervision.models import CommitteeMember, RefusedVoucher
from tests.supervision.test_statistics import MARCH, committee, meeting, review


def _sheet(response):
    assert response.status_code == 200
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    return list(workbook.active.iter_rows(values_only=True))


def _data(village_a, village_b, actor):
    a = committee(
        village_a,
        datetime.date(2021, 5, 1),
        datetime.date(2026, 4, 30),
        established=datetime.date(2021, 5, 25),
        pilot=True,
    )
    CommitteeMember.objects.create(
        committee=a,
        name="王主任",
        role="chair",
        is_party_member=True,
        elected_on=datetime.date(2021, 5, 20),
        birth_date=datetime.date(1970, 6, 1),
        id_number="",
    )
    CommitteeMember.objects.create(
        committee=a, name="=HYPERLINK(1)", subgroup="assets", elected_on=datetime.date(2021, 5, 20)
    )
    b = committee(
        village_b, datetime.date(2021, 5, 1), datetime.date(2026, 4, 30), established=datetime.date(2021, 5, 25)
    )
    CommitteeMember.objects.create(committee=b, name="东主任", role="chair", elected_on=datetime.date(2021, 5, 20))
    meeting(a, datetime.date(2024, 3, 8), actor)
    meeting(a, datetime.date(2024, 3, 22), actor)
    r = review(a, MARCH, datetime.date(2024, 3, 29), actor)
    RefusedVoucher.objects.create(review=r, voucher="No.7", reason="无经手人签字")
    return a, b


def test_roster(login, village_a, village_b, county_admin, township_b_official):
    _data(village_a, village_b, county_admin)
    rows = _sheet(login(county_admin).get(reverse("supervision_ledgers:roster_export")))
    assert rows[0][0].startswith("村务监督委员会成员花名册")
    header = list(rows[1])
    assert header[:8] == ["乡镇", "村（居）", "任期", "姓名", "性别", "年龄", "政治面貌", "职务"]
    assert "出生日期" not in header and "公民身份号码" not in header
    body = {row[3]: row for row in rows[2:]}
    assert set(body) == {"王主任", "=HYPERLINK(1)", "东主任"}  # the formula-like name stays text
    assert body["王主任"][6] == "中共党员" and body["王主任"][7] == "主任" and isinstance(body["王主任"][5], int)
    assert AuditEntry.objects.filter(action="export").exists()
    own = _sheet(login(township_b_official).get(reverse("supervision_ledgers:roster_export")))
    assert [row[3] for row in own[2:]] == ["东主任"]


def test_work_ledger(login, village_a, village_b, county_admin):
    _data(village_a, village_b, county_admin)
    rows = _sheet(login(county_admin).get(reverse("supervision_ledgers:work_ledger_export") + "?year=2024"))
    assert rows[0][0] == "村务监督委员会会议与票据复核台账（2024年）"
    body = [row for row in rows[2:] if row[1] == "水布垭村"]
    march = next(row for row in body if row[2] == "2024-03")
    assert march[3:6] == (2, "03-08、03-22", "审议本月村务；审议本月村务")
    assert march[8:12] == (3, 3, 0, "No.7：无经手人签字")
    february = next(row for row in body if row[2] == "2024-02")
    assert february[3:5] == (0, "未开会") and february[8] is None
    assert [row[2] for row in body][:1] == ["2024-01"]


def test_the_committee_page_offers_both(login, county_admin):
    page = login(county_admin).get(reverse("supervision:committee_list")).content.decode()
    assert (
        reverse("supervision_ledgers:roster_export") in page
        and reverse("supervision_ledgers:work_ledger_export") in page
    )


def test_query_counts_do_not_grow(login, village_a, village_b, county_admin, township_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import VillageFactory

    client = login(county_admin)
    _data(village_a, village_b, county_admin)
    counts = []
    for size in (2, 12):
        for n in range(size):
            village = VillageFactory(township=township_a, name=f"台账村{size}-{n}", code="")
            c = committee(
                village, datetime.date(2021, 5, 1), datetime.date(2026, 4, 30), established=datetime.date(2021, 6, 1)
            )
            CommitteeMember.objects.create(committee=c, name=f"成员{size}-{n}", elected_on=datetime.date(2021, 5, 20))
            meeting(c, datetime.date(2024, 3, 5), county_admin)
            review(c, MARCH, datetime.date(2024, 3, 25), county_admin)
        for name in ("supervision_ledgers:roster_export", "supervision_ledgers:work_ledger_export"):
            with CaptureQueriesContext(connection) as captured:
                _sheet(client.get(reverse(name) + "?year=2024"))
            counts.append((name, len(captured)))
    assert counts[:2] == [(name, n) for name, n in counts[2:]]
