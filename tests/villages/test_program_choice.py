"""program_and_programs (one query) picks the program program_for_code picks."""

import pytest

from tests.factories import PilotProgramFactory
from villages.selectors import program_and_programs, program_for_code, visible_programs


@pytest.mark.django_db
def test_one_query_gives_the_program_program_for_code_gives(django_assert_num_queries, program, county_admin):
    older = PilotProgramFactory(
        county=program.county, code="older", start_year=2011, end_year=2015, cumulative_by_year=2015
    )
    for code in (None, "", "older", program.code, "no-such-code"):
        with django_assert_num_queries(1):
            chosen, programs = program_and_programs(user=county_admin, code=code)
        assert chosen == program_for_code(user=county_admin, code=code), code
        assert programs == list(visible_programs(user=county_admin))
    assert program_and_programs(user=county_admin, code="older")[0] == older
    assert program_and_programs(user=county_admin, code="no-such-code")[0] is None
