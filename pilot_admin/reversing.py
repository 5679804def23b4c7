"""reverse(), remembered: a list page links each of its fifty rows to the row's page and the
menu links thirty-odd pages, and Django's reverse() walks the URL patterns for each, which
cost a list page more than rendering its rows. Keyed by the URLconf and script prefix in force,
so a test's or the bench's own URLconf (and a deployment under a path) gets its own."""

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# Stands for the id while the pattern is reversed once; no real id is this large, and the
# digits cannot occur in a route's fixed text.
_MARKER = 918273645546372819


def _key() -> tuple[str, str]:
    return get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()


@functools.lru_cache(maxsize=1024)
def _reversed(view_name: str, urlconf: str, prefix: str) -> str:
    return reverse(view_name, urlconf=urlconf)


@functools.lru_cache(maxsize=1024)
def _split(view_name: str, urlconf: str, prefix: str) -> tuple[str, str]:
    url = reverse(view_name, args=[_MARKER], urlconf=urlconf)
    head, marker, tail = url.partition(str(_MARKER))
    if not marker:  # pragma: no cover - a route that does not write its argument as given
        raise ValueError(f"{view_name}: the id does not appear in its URL {url!r}")
    return head, tail


def reverse_static(view_name: str) -> str:
    """reverse(view_name) of a route without arguments."""
    return _reversed(view_name, *_key())


def reverse_id(view_name: str, pk: int) -> str:
    """reverse(view_name, args=[pk]) of a route taking one <int:…> id."""
    head, tail = _split(view_name, *_key())
    return f"{head}{int(pk)}{tail}"


def reverse_id_parts(view_name: str) -> tuple[str, str]:
    """(head, tail) of reverse_id(view_name, pk) == f"{head}{pk}{tail}", looked up once for a
    loop that links many rows."""
    return _split(view_name, *_key())
