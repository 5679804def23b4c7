"""The inspector's home lists what waits for them: the team's sheets to score and the sheets the
county office returned (with its reason), each linking to its scoring form; submitted, confirmed
and other teams' sheets are not theirs to act on. Its query count does not grow with the sheets."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from pilot_admin.choices import Role
from tests.factories import UserFactory, VillageFactory, confirmed_inspection, full_scores, scheduled_inspection

RETURN_REASON = "第2部分扣分理由不清，请补充"


def _sheets(*, county_admin, program, township, inspector, n, tag=""):
    """`n` sheets of each kind for `inspector`'s team: to score (one half scored), returned,
    submitted, confirmed; and one of another team."""
    made = {"to_score": [], "returned": [], "submitted": [], "confirmed": []}
    for index in range(n):
        for kind in made:
            village = VillageFactory(township=township, name=f"{kind}{tag}{index}村")
            inspection = scheduled_inspection(
                actor=county_admin, program=program, village=village, inspectors=[inspector]
            )
            if kind == "to_score" and index == 0:
                services.inspection_scores_save(
                    actor=inspector, inspection=inspection, scores=full_scores(inspection)[:1]
                )
            if kind in ("returned", "submitted"):
                services.inspection_scores_save(actor=inspector, inspection=inspection, scores=full_scores(inspection))
                services.inspection_submit(actor=inspector, inspection=inspection)
            if kind == "returned":
                services.inspection_return(actor=county_admin, inspection=inspection, reason=RETURN_REASON)
            if kind == "confirmed":
                confirmed_inspection(county_admin=county_admin, inspection=inspection)
            made[kind].append(inspection)
    other = UserFactory(role=Role.INSPECTOR, county=program.county)
    scheduled_inspection(
        actor=county_admin,
        program=program,
        village=VillageFactory(township=township, name=f"别组{tag}村"),
        inspectors=[other],
    )
    return made


def _row(page: str, inspection) -> str:
    start = page.index(f'data-inspection="{inspection.pk}"')
    return page[start : page.index("</tr>", start)]


def test_inspector_home_lists_sheets_to_score_and_returned_ones_with_links(
    client, county_admin, program, township_a, inspector
):
    made = _sheets(county_admin=county_admin, program=program, township=township_a, inspector=inspector, n=1)
    client.force_login(inspector)
    page = client.get(reverse("home")).content.decode()

    assert "我的评分任务" in page
    to_score = page[page.index('id="sheets-to-score"') :]
    to_score = to_score[: to_score.index("</table>")]
    returned = page[page.index('id="returned-sheets"') :]
    returned = returned[: returned.index("</table>")]

    waiting = made["to_score"][0]
    assert "to_score0村" in to_score and "returned0村" not in to_score
    row = _row(to_score, waiting)
    assert reverse("assessments:inspection_score", args=[waiting.pk]) in row
    assert "继续评分" in row and "1/4" in row

    sent_back = made["returned"][0]
    row = _row(returned, sent_back)
    assert "returned0村" in row and RETURN_REASON in row
    assert reverse("assessments:inspection_score", args=[sent_back.pk]) in row and "4/4" in row

    for absent in ("submitted0村", "confirmed0村", "别组村"):
        assert absent not in to_score and absent not in returned


def test_inspector_with_nothing_waiting_is_told_so(client, inspector, program):
    client.force_login(inspector)
    page = client.get(reverse("home")).content.decode()
    assert "没有待评分的检查。" in page and "没有被退回的评分表。" in page


def test_county_roles_do_not_get_the_inspectors_list(client, county_admin, program):
    client.force_login(county_admin)
    assert "我的评分任务" not in client.get(reverse("home")).content.decode()


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("n", [1])
def test_inspector_home_query_count_does_not_grow_with_the_sheets(
    client, county_admin, program, township_a, inspector, n
):
    client.force_login(inspector)
    url = reverse("home")
    _sheets(county_admin=county_admin, program=program, township=township_a, inspector=inspector, n=n)
    client.get(url)  # the dashboard's figures are cached per data version; count a warm page
    small = _count(client, url)
    _sheets(county_admin=county_admin, program=program, township=township_a, inspector=inspector, n=5, tag="b")
    client.get(url)
    large = _count(client, url)
    page = client.get(url).content.decode()
    assert page.count("data-inspection=") == 2 * 6  # six to score, six returned
    assert large == small
