"""The supervision pages on a phone: an empty ledger's message reads from the left of its card
(a label-less cell was pushed to the right edge by the responsive table's empty label)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, sign_in
from tests.supervision.test_pages import overdue_and_current  # noqa: F401 (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def test_an_empty_ledger_reads_from_the_left_on_a_phone(new_context, township_a_official, overdue_and_current):  # noqa: F811
    overdue, _ = overdue_and_current
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(page, township_a_official)
    page.goto(overdue.get_absolute_url())
    cell = page.locator("#meeting-table tbody td").first
    expect(cell).to_contain_text("暂无会议记录")
    # Where the text starts: the left of its first character, against the cell's left edge.
    offset = cell.evaluate(
        """td => { const r = document.createRange(); r.setStart(td.firstChild, 0); r.setEnd(td.firstChild, 1);
                   return r.getBoundingClientRect().left - td.getBoundingClientRect().left; }"""
    )
    assert offset < 12, offset
