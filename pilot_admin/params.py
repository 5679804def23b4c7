"""Reading the query string and posted fields the pages and the API share: numbers, months, one
value per parameter, and where to go next."""

import datetime
import re

from django.utils.http import url_has_allowed_host_and_scheme

# The one way an integer is written: ASCII digits, no sign, no leading zero. int() alone also reads
# "٣" and "３" (other scripts' digits), " 3", "+3", "0_3" and "03".
_INTEGER = re.compile(r"0|[1-9][0-9]*")
# A four-digit year (1000–9999, as pilot_admin.filters.YearFilter) and a two-digit month.
_MONTH = re.compile(r"([1-9][0-9]{3})-(0[1-9]|1[0-2])")
MONTH_PATTERN = "^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"

REPEATED_MESSAGE = "只能给一个值，此参数不能重复出现。"
EMPTY_MESSAGE = "不能为空；不按此条件筛选时请省略此参数。"


def canonical_int(value) -> int | None:
    """`value` (a GET or POST string) as an int when it is written canonically, else None."""
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    return None


def int_param(value, default=None):
    """`value` (a GET or POST string) as an int; missing or not a canonical number gives
    `default`, so a hand-edited URL shows the default page instead of an error."""
    number = canonical_int(value)
    return default if number is None else number


def month_param(value) -> datetime.date | None:
    """ "YYYY-MM" (ASCII digits, a two-digit month) as the first day of that month, else None.
    strptime alone would also take "2024-5" and other scripts' digits."""
    match = _MONTH.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    return datetime.date(int(match[1]), int(match[2]), 1)


def refused_parameters(data, names, *, empty_is_error: bool) -> dict[str, str]:
    """Parameters among `names` that `data` (a QueryDict) gives more than once, or (when
    `empty_is_error`) as an empty value, with the reason; a QueryDict's get() would silently
    take the last of several values."""
    refused = {}
    if not hasattr(data, "getlist"):
        return refused
    for name in names:
        values = data.getlist(name)
        if len(values) > 1:
            refused[name] = REPEATED_MESSAGE
        elif empty_is_error and values == [""]:
            refused[name] = EMPTY_MESSAGE
    return refused


def safe_url(request, url: str, default: str) -> str:
    """`url` when it leads into this site, else `default`: a crafted link or a stored one cannot
    send the user elsewhere."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


def safe_next(request, default: str) -> str:
    """Where to go after an action or a sign-in step: the `next` the request carries (posted,
    else in the query string) when it leads into this site, else `default`."""
    return safe_url(request, request.POST.get("next") or request.GET.get("next") or "", default)
