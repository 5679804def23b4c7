"""A cache for statistics pages (the county dashboard, the township workspace): a figure is
computed once per scope and data version and then served from Django's cache (Redis in
production, locmem in tests).

Two rules keep it correct:

- The key holds the reader's scope (`scope_key`): role, county, township, department, and for
  roles whose visibility is per person (inspectors see their own team's inspections) the user
  id. Two users share an entry only when every queryset's `visible_to` gives them the same rows,
  so one township's figures are never served to another.
- The key holds data version tokens. Every service write passes through
  `pilot_admin.audit.services.record`/`record_bulk`, which call `bump_on_commit(county_id=...)`: once the
  transaction commits, the writer's county gets a new token (a write with no county, by a system
  job or a superuser, a new "system" token) and so does the installation-wide "any" token. A
  reader with a county keys on its county's and the system token; a reader without one (province
  client, superuser) sees every county and keys on "any". Entries computed before a write are
  never read again. Writes that bypass the services (the benchmark's bulk SQL, the shell) are
  caught by the timeout, `STATS_CACHE_SECONDS` (default 300 s).

Use::

    figures = stats_cache.cached(user=request.user, name="dashboard", parts=(program.pk, year, today),
                                 compute=lambda: expensive(...))

`parts` must name everything else the figures depend on (program, year, month, today's date).

Closed years (`cached_history`): a year that is over is counted as of its last day
(pilot_admin.dates), so what happens today does not change it, and its figures are kept across
today's data versions, under history tokens of their own. A write can still change a closed year
when it corrects the past (a task reopened, an approval or a village edited, a program's quota
changed), so every audited write bumps the history tokens of its county too
(`bump_on_commit(history=True)`), except writes to apps the yearly figures never read
(HISTORY_FREE_APPS: the guardianship records, counted per month and never kept). `bump()` alone
(the benchmark's "cold" request, a test) leaves closed years kept. Writes that bypass the services
reach them after `STATS_HISTORY_SECONDS` (default a day), or at once with
`bump(county_id=…, history=True)`.
"""

import uuid
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from pilot_admin.choices import Role

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
_NAMESPACE = "stats"
ANY_WRITE = "any"
SYSTEM_WRITE = "system"
HISTORY = "history:"
# The apps whose records no yearly figure reads (quota, standards, tasks, assessments): the
# guardianship registers are counted per month, live. A new app is history-relevant by default.
HISTORY_FREE_APPS = frozenset({"guardianship"})


def _timeout() -> int:
    return settings.STATS_CACHE_SECONDS


def _db() -> str:
    """The database name keeps two installations (or two test databases) on one Redis apart."""
    return str(settings.DATABASES["default"].get("NAME", ""))


def _version_key(name) -> str:
    return f"{_NAMESPACE}:{_db()}:version:{name}"


def scope_key(user) -> str:
    """Everything `visible_to` reads from the user, so equal keys mean equal rows."""
    parts = [
        user.role,
        user.county_id or "-",
        user.township_id or "-",
        user.department_id or "-",
        "su" if user.is_superuser else "",
    ]
    # Inspectors see the inspections of their own team, not their unit's: per person.
    if user.role == Role.INSPECTOR:
        parts.append(f"u{user.pk}")
    return ":".join(str(part) for part in parts)


def _version_names(user) -> list[str]:
    """The writers whose tokens the user's figures depend on: its county and the system, or
    every county for a reader without one."""
    if user.county_id is None:
        return [ANY_WRITE]
    return [f"county:{user.county_id}", SYSTEM_WRITE]


def _versions(user, *, prefix: str = "") -> str:
    """The current version tokens the user's figures depend on (`prefix` "history:" for the
    closed years'). A missing token (never bumped, or evicted) is replaced by a fresh random one,
    so an eviction can only orphan old entries, never revive them."""
    keys = [_version_key(f"{prefix}{name}") for name in _version_names(user)]
    found = cache.get_many(keys)
    tokens = []
    for key in keys:
        token = found.get(key)
        if token is None:
            cache.add(key, uuid.uuid4().hex[:12], timeout=None)
            token = cache.get(key)
        tokens.append(str(token))
    return ".".join(tokens)


def entry_key(*, user, name: str, parts: tuple[Hashable, ...]) -> str:
    """The cache key of one figure set for this user's scope at the current data version."""
    part_text = ":".join(str(part) for part in parts)
    return f"{_NAMESPACE}:{_db()}:{name}:{scope_key(user)}:{part_text}:{_versions(user)}"


def cached(*, user, name: str, parts: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """`compute()` once per scope, parts and data version; the cached value afterwards. The
    value must pickle (dataclasses, dicts, model instances do)."""
    key = entry_key(user=user, name=name, parts=parts)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=_timeout())
    return value


def history_entry_key(*, user, name: str, parts: tuple[Hashable, ...]) -> str:
    """The cache key of one closed year's figure set for this user's scope at the current
    history version."""
    part_text = ":".join(str(part) for part in parts)
    return f"{_NAMESPACE}:{_db()}:{name}:{scope_key(user)}:{part_text}:{_versions(user, prefix=HISTORY)}"


def cached_history(*, user, name: str, parts: dict[K, tuple[Hashable, ...]], compute: Callable[[K], T]) -> dict[K, T]:
    """For each closed year (or other figure set that only corrections of the past change) `k`
    of `parts`, `compute(k)` once per scope, parts and history version; kept, not recomputed, when
    today's data version changes. One cache round trip reads them all."""
    if not parts:
        return {}
    keys = {item: history_entry_key(user=user, name=name, parts=item_parts) for item, item_parts in parts.items()}
    found = cache.get_many(list(keys.values()))
    values, missing = {}, {}
    for item, key in keys.items():
        if key in found:
            values[item] = found[key]
        else:
            values[item] = missing[key] = compute(item)
    if missing:
        cache.set_many(missing, timeout=settings.STATS_HISTORY_SECONDS)
    return values


def bump(*, county_id=None, history: bool = False) -> None:
    """Invalidate the statistics of one county, or of every county when `county_id` is None;
    with `history`, its closed years' too."""
    touched = f"county:{county_id}" if county_id is not None else SYSTEM_WRITE
    names = [touched, ANY_WRITE]
    if history:
        names += [f"{HISTORY}{touched}", f"{HISTORY}{ANY_WRITE}"]
    cache.set_many({_version_key(name): uuid.uuid4().hex[:12] for name in names}, None)


def bump_on_commit(*, county_id=None, history: bool = True) -> None:
    """Bump once the current transaction commits (at once outside one): a reader between the
    write and the commit would otherwise cache the old figures under the new version."""
    transaction.on_commit(lambda: bump(county_id=county_id, history=history))


def can_change_history(instance) -> bool:
    """Whether a write to `instance` may change a closed year's figures: any write, but to the
    apps the yearly figures never read."""
    return instance._meta.app_label not in HISTORY_FREE_APPS


def county_of(actor) -> int | None:
    """The county an actor's writes can touch (the scoping rule confines them to it); None, so
    every county, for system jobs and users without a county (superusers, province clients)."""
    return getattr(actor, "county_id", None) if actor is not None else None
