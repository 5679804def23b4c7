"""A village's life events (issue 13 "History"): rename, merge into another, split off a new
village, become a community. Each writes the event, the village's dates the statistics count
by (villages/history.py) and is_active in one transaction with audit entries.

Decisions (SPEC §10 style):
- Events are recorded after they happen: a date later than today is refused, and so is a date
  before the village was established or after it ended.
- A merged village keeps its rows and its past pilots: a pilot assignment counts for its year
  as before, while the village itself leaves the villages counted from the merger date on. A
  merger dated before the year of one of its (non-withdrawn) pilots is refused: that pilot would
  be a pilot of a village that no longer existed.
- A split creates the new village in the source's township, established on the split date;
  the source goes on unchanged (its households are corrected on its edit page if they moved).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pilot_admin import locking
from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction
from pilot_admin.services import require
from villages import permissions
from villages.choices import PilotStatus, VillageEventKind, VillageKind
from villages.models import Village, VillageEvent


def _locked(actor, village) -> Village:
    return Village.objects.editable_by(actor).select_for_update().select_related("township").get(pk=village.pk)


def check_event_date(village: Village, date: datetime.date | None) -> None:
    """A life event happens while the village exists, and not in the future."""
    if date is None:
        raise ValidationError({"date": "请填写日期。"})
    if date > timezone.localdate():
        raise ValidationError({"date": "日期不能晚于今天：历史事件在发生后记录。"})
    if village.ended_on is not None:
        raise ValidationError(f"该村已于 {village.ended_on:%Y-%m-%d} 撤并，不能再记录事件。")
    if village.established_on is not None and date < village.established_on:
        raise ValidationError({"date": f"日期不能早于该村的设立日期 {village.established_on:%Y-%m-%d}。"})


def _record(actor, village, before, event) -> VillageEvent:
    locking.bump_version(village)
    village.full_clean()
    village.save()
    event.full_clean()
    event.save()
    audit.record(actor=actor, instance=village, action=AuditAction.UPDATE, before=before)
    audit.record(actor=actor, instance=event, action=AuditAction.CREATE)
    return event


@transaction.atomic
def village_rename(*, actor, village: Village, name: str, date: datetime.date, note: str = "") -> VillageEvent:
    require(permissions.can_manage_villages(actor), "只有县领导小组办公室可以记录村更名。")
    village = _locked(actor, village)
    check_event_date(village, date)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写新村名。"})
    if name == village.name:
        raise ValidationError({"name": "新村名与现名相同。"})
    before, old_name = audit.snapshot(village), village.name
    village.name = name
    event = VillageEvent(
        village=village, kind=VillageEventKind.RENAMED, date=date, old_name=old_name, note=note, recorded_by=actor
    )
    return _record(actor, village, before, event)


@transaction.atomic
def village_merge(*, actor, village: Village, into: Village, date: datetime.date, note: str = "") -> VillageEvent:
    """撤并: `village` is merged into `into` on `date` and stops counting from that day."""
    require(permissions.can_manage_villages(actor), "只有县领导小组办公室可以记录村撤并。")
    village = _locked(actor, village)
    check_event_date(village, date)
    if into is None or into.pk == village.pk:
        raise ValidationError({"into": "请选择并入的另一个村。"})
    into = Village.objects.editable_by(actor).filter(pk=into.pk).select_related("township").first()
    if into is None or into.township.county_id != village.township.county_id:
        raise ValidationError({"into": "并入的村不存在或不在您的管辖范围内。"})
    if into.ended_on is not None:
        raise ValidationError({"into": f"{into.name}已于 {into.ended_on:%Y-%m-%d} 撤并，不能再并入。"})
    if into.established_on is not None and into.established_on > date:
        raise ValidationError({"into": f"{into.name}设立于 {into.established_on:%Y-%m-%d}，晚于撤并日期。"})
    later = (
        village.pilot_assignments.exclude(status=PilotStatus.WITHDRAWN)
        .filter(year__gt=date.year)
        .order_by("year")
        .first()
    )
    if later is not None:
        raise ValidationError(
            {"date": f"该村是 {later.year} 年的试点村，撤并日期不能早于该年度；如试点有误，请先撤销该试点。"}
        )
    before = audit.snapshot(village)
    village.ended_on, village.is_active = date, False
    event = VillageEvent(
        village=village, kind=VillageEventKind.MERGED, date=date, related_village=into, note=note, recorded_by=actor
    )
    return _record(actor, village, before, event)


@transaction.atomic
def village_split(
    *,
    actor,
    source: Village,
    date: datetime.date,
    name: str,
    code: str = "",
    households: int = 0,
    population: int = 0,
    note: str = "",
) -> Village:
    """拆分: a new village split from `source` on `date`, counted from that day."""
    require(permissions.can_manage_villages(actor), "只有县领导小组办公室可以记录村拆分。")
    source = _locked(actor, source)
    check_event_date(source, date)
    village = Village(
        township=source.township,
        name=(name or "").strip(),
        code=code or "",
        kind=source.kind,
        households=households or 0,
        population=population or 0,
        guidance_category=source.guidance_category,
        established_on=date,
    )
    village.full_clean()
    village.save()
    event = VillageEvent(
        village=village, kind=VillageEventKind.SPLIT, date=date, related_village=source, note=note, recorded_by=actor
    )
    event.full_clean()
    event.save()
    audit.record(actor=actor, instance=village, action=AuditAction.CREATE, note=f"从{source.name}拆分设立")
    audit.record(actor=actor, instance=event, action=AuditAction.CREATE)
    return village


@transaction.atomic
def village_become_community(*, actor, village: Village, date: datetime.date, note: str = "") -> VillageEvent:
    """村改社区: from `date` on the village is a community and no longer counts as an
    administrative village; the years before still count it."""
    require(permissions.can_manage_villages(actor), "只有县领导小组办公室可以记录村改社区。")
    village = _locked(actor, village)
    check_event_date(village, date)
    if village.kind != VillageKind.ADMINISTRATIVE_VILLAGE:
        raise ValidationError("该村已是社区（居）。")
    before = audit.snapshot(village)
    village.kind, village.community_since = VillageKind.RESIDENTIAL_COMMUNITY, date
    event = VillageEvent(
        village=village, kind=VillageEventKind.BECAME_COMMUNITY, date=date, note=note, recorded_by=actor
    )
    return _record(actor, village, before, event)
