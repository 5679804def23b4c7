"""Reading the query string and posted fields the pages share: numbers, and where to go next."""

from django.utils.http import url_has_allowed_host_and_scheme


def int_param(value, default=None):
    """`value` (a GET or POST string) as an int; missing or not a number gives `default`, so a
    hand-edited URL shows the default page instead of an error."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


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
