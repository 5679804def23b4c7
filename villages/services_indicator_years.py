"""The years open for indicator entry (issue 13 "Indicators for any open year"): the county
office opens a year, townships fill its indicators, the county confirms or returns them as
before, and closes the year when its figures are final. A closed year may be opened again (a
late correction); each opening and closing is audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction
from pilot_admin.services import require
from villages import permissions
from villages.models import County, IndicatorYear

YEAR_MIN, YEAR_MAX = 2000, 2100


@transaction.atomic
def indicator_year_open(*, actor, county: County, year: int) -> IndicatorYear:
    require(permissions.can_confirm_indicators(actor), "只有县领导小组办公室可以开放指标填报年度。")
    if not County.objects.editable_by(actor).filter(pk=county.pk).exists():
        raise ValidationError("该县不在您的管辖范围内。")
    if year is None or not YEAR_MIN <= year <= min(YEAR_MAX, timezone.localdate().year):
        raise ValidationError({"year": f"年度应在 {YEAR_MIN} 年至今年之间。"})
    row = IndicatorYear.objects.select_for_update().filter(county=county, year=year).first()
    if row is not None and row.is_open:
        raise ValidationError(f"{year}年度指标填报已开放，无需重复开放；乡镇现在就可以填报该年度指标。")
    now = timezone.now()
    if row is None:
        row = IndicatorYear(county=county, year=year, opened_by=actor, opened_at=now)
        row.full_clean()
        row.save()
        audit.record(actor=actor, instance=row, action=AuditAction.CREATE)
        return row
    before = audit.snapshot(row)
    row.opened_by, row.opened_at, row.closed_by, row.closed_at = actor, now, None, None
    row.save()
    audit.record(actor=actor, instance=row, action=AuditAction.UPDATE, before=before, note="重新开放")
    return row


def suggested_year_to_open(*, county: County) -> int | None:
    """The year the page's form proposes: the newest year up to this one the county has never
    opened (an open year cannot be opened again; a closed one is reopened only on purpose).
    None when every year up to this one has been opened."""
    opened = set(IndicatorYear.objects.filter(county=county).values_list("year", flat=True))
    this_year = min(YEAR_MAX, timezone.localdate().year)
    return next((year for year in range(this_year, YEAR_MIN - 1, -1) if year not in opened), None)


@transaction.atomic
def indicator_year_close(*, actor, indicator_year: IndicatorYear) -> IndicatorYear:
    require(permissions.can_confirm_indicators(actor), "只有县领导小组办公室可以关闭指标填报年度。")
    row = IndicatorYear.objects.select_for_update().get(pk=indicator_year.pk)
    if not County.objects.editable_by(actor).filter(pk=row.county_id).exists():
        raise ValidationError("该县不在您的管辖范围内。")
    if not row.is_open:
        raise ValidationError(f"{row.year}年度指标填报已关闭。")
    before = audit.snapshot(row)
    row.closed_by, row.closed_at = actor, timezone.now()
    row.save()
    audit.record(actor=actor, instance=row, action=AuditAction.UPDATE, before=before)
    return row
