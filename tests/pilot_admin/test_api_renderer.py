"""The API's renderer (pilot_admin/api/renderers.py, orjson) gives the answer DRF's JSONRenderer
(the standard library's encoder) gave: byte for byte for the values the API carries, and the same
JSON values whatever the data."""

import datetime
import decimal
import json
import uuid
import zoneinfo

from django.utils.translation import gettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer as DRFRenderer

from pilot_admin.api.renderers import JSONRenderer

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _both(data) -> tuple[bytes, bytes]:
    return JSONRenderer().render(data), DRFRenderer().render(data)


# Floats as the API's figures are: shares and rates rounded to 4 places, means to 1, amounts.
figures = st.one_of(
    st.floats(min_value=0, max_value=1).map(lambda x: round(x, 4)),
    st.floats(min_value=-1e9, max_value=1e9).map(lambda x: round(x, 1)),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    figures,
    st.text(),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([None, datetime.UTC, SHANGHAI])),
    st.times(),
    st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False),
    st.uuids(),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.tuples(children, children),
        st.dictionaries(st.one_of(st.text(), st.integers(0, 10**6)), children, max_size=5),
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_the_api_answer_is_byte_for_byte_drfs(data):
    ours, theirs = _both(data)
    assert ours == theirs


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.floats(allow_nan=False, allow_infinity=False) | st.integers(), st.lists, max_leaves=20))
def test_any_number_reads_back_the_same(data):
    ours, theirs = _both(data)
    assert json.loads(ours) == json.loads(theirs)


def test_what_orjson_does_not_write_itself_reads_as_drf_wrote_it():
    data = {
        "utc": datetime.datetime(2019, 6, 3, 8, 30, 5, 123456, tzinfo=datetime.UTC),
        "local": datetime.datetime(2019, 6, 3, 16, 30, tzinfo=SHANGHAI),
        "day": datetime.date(2019, 12, 31),
        "amount": decimal.Decimal("600.50"),
        "label": gettext_lazy("全部"),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "separators": "行\u2028段\u2029",
        1: "整数键",
    }
    ours, theirs = _both(data)
    assert ours == theirs
    assert b'"2019-06-03T08:30:05.123456Z"' in ours and b'"amount":600.5' in ours
    assert b"\\u2028" in ours and "整数键".encode() in ours


def test_an_integer_beyond_64_bits_is_still_answered():
    ours, theirs = _both({"n": 2**70})
    assert ours == theirs == b'{"n":1180591620717411303424}'
