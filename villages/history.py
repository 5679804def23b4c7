"""The villages as they were on a date (issue 13 "History"): one SQL filter, used wherever
villages are counted for a year, so a past year's figures never move with today's changes.

A village counts as an administrative village on day D when
- it existed: established_on is empty (before the records began) or on/before D, and ended_on
  is empty (still exists) or after D (a merger dated D takes it out from D on);
- it was an administrative village: its kind is 行政村, or it became a community only after D.
A community whose community_since is empty was one before the records began.
"""

import datetime

from django.db.models import Q

from villages.choices import VillageKind


def existing_on_q(day: datetime.date, prefix: str = "") -> Q:
    p = f"{prefix}__" if prefix else ""
    return (Q(**{f"{p}established_on__isnull": True}) | Q(**{f"{p}established_on__lte": day})) & (
        Q(**{f"{p}ended_on__isnull": True}) | Q(**{f"{p}ended_on__gt": day})
    )


def administrative_on_q(day: datetime.date, prefix: str = "") -> Q:
    """Villages counted as administrative villages on `day` (the quota's denominator)."""
    p = f"{prefix}__" if prefix else ""
    was_village = Q(**{f"{p}kind": VillageKind.ADMINISTRATIVE_VILLAGE}) | Q(**{f"{p}community_since__gt": day})
    return existing_on_q(day, prefix) & was_village


def village_timeline(village):
    """The village's life events and those of other villages that name it (a village merged
    into it, one split from it), oldest first."""
    from villages.models import VillageEvent

    return (
        VillageEvent.objects.filter(Q(village=village) | Q(related_village=village))
        .select_related("village", "related_village", "recorded_by")
        .order_by("date", "id")
    )
