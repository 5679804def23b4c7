"""Every write of the villages app: each one checks the actor's rights and scope, validates,
saves in one transaction and leaves an audit entry."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from pilot_admin import locking
from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction, Role
from pilot_admin.excel import IMPORT_AUDIT_NOTE, ImportResult, ImportRow, RowError, constraint_message, finish_import
from pilot_admin.models import User
from pilot_admin.notifications import services as notifications
from pilot_admin.services import require
from villages import permissions
from villages.choices import DepartmentKind, IndicatorStatus, PilotLevel, PilotStatus, VillageEventKind, VillageKind
from villages.excel import BEFORE_RECORDS, PILOT_COLUMNS, VILLAGE_COLUMNS
from villages.models import (
    Department,
    IndicatorYear,
    PilotAssignment,
    PilotProgram,
    Township,
    Village,
    VillageEvent,
    VillageIndicator,
)

VILLAGE_EDITABLE_FIELDS = (
    "code",
    "name",
    "kind",
    "households",
    "population",
    "resident_population",
    "is_poverty_village",
    "poverty_exit_year",
    "collective_income_yuan",
    "guidance_category",
)
# is_active is no longer edited directly: it mirrors ended_on, which the history services of
# villages/services_history.py write with a dated event (issue 13).

# village_create's default for established_on: today. None means 建档前已有.
TODAY = object()


def _visible_or_refuse(queryset, obj, message: str) -> None:
    """Writes are re-checked: an object outside the actor's scope is refused even when a form
    or API body names it directly."""
    if obj.pk is None or not queryset.filter(pk=obj.pk).exists():
        raise ValidationError(message)


@transaction.atomic
def village_create(*, actor, township, version: int | None = None, established_on=TODAY, **data) -> Village:
    """A new village is established today unless a date is given: a village added now does not
    change the years before it (issue 13). `established_on=None` records a village that existed
    before the records began (建档前已有), counted in every year."""
    require(permissions.can_manage_villages(actor), "只有县领导小组办公室可以新增村。")
    _visible_or_refuse(Township.objects.editable_by(actor), township, "不能在您管辖范围以外的乡镇新增村。")
    today = timezone.localdate()
    if established_on is TODAY:
        established_on = today
    if established_on is not None and established_on > today:
        raise ValidationError({"established_on": "设立日期不能晚于今天。"})
    data.pop("is_active", None)
    village = Village(township=township, established_on=established_on, **data)
    if village.kind == VillageKind.RESIDENTIAL_COMMUNITY:
        # A community created as such was one from its start: no 村改社区 date.
        village.community_since = None
    village.full_clean()
    village.save()
    audit.record(actor=actor, instance=village, action=AuditAction.CREATE)
    if established_on is not None:
        event = VillageEvent(village=village, kind=VillageEventKind.ESTABLISHED, date=established_on, recorded_by=actor)
        event.save()
        audit.record(actor=actor, instance=event, action=AuditAction.CREATE)
    return village


@transaction.atomic
def village_update(*, actor, village: Village, version: int | None = None, **data) -> Village:
    """`version` is the one the editor saw (form or If-Match); a stale one is refused. Values
    equal to the stored ones write nothing: no new version, no audit entry."""
    require(permissions.can_manage_villages(actor), "只有县领导小组办公室可以修改村信息。")
    village = Village.objects.editable_by(actor).select_for_update().get(pk=village.pk)
    if "township" in data:
        _visible_or_refuse(Township.objects.editable_by(actor), data["township"], "不能把村移到您管辖范围以外的乡镇。")
    before, stored = audit.snapshot(village), locking.field_values(village)
    if data.get("kind", village.kind) != village.kind and village.kind == VillageKind.ADMINISTRATIVE_VILLAGE:
        # Changing the kind here would rewrite every past year; the dated event keeps them.
        raise ValidationError({"kind": "行政村改为社区，请在村页面“历史沿革”中记录“村改社区”及其日期。"})
    for name, value in data.items():
        if name not in VILLAGE_EDITABLE_FIELDS and name != "township":
            raise ValidationError(f"字段 {name} 不可修改。")
        setattr(village, name, value)
    if not locking.claim_version_if_changed(village, version, stored):
        return village
    village.full_clean()
    village.save()
    audit.record(actor=actor, instance=village, action=AuditAction.UPDATE, before=before)
    return village


@transaction.atomic
def pilot_assignment_propose(
    *,
    actor,
    program: PilotProgram,
    village: Village,
    year: int,
    level: str = PilotLevel.COUNTY,
    guidance_category: str = "",
    is_demonstration: bool = False,
    notes: str = "",
    provincial_status: str | None = None,
) -> PilotAssignment:
    """Select a village as a pilot of a program for a year (status 拟定). The provincial key
    support is given either as `provincial_status` (a nomination's application) or, as the
    selection form and the import do, as `level`; the other one follows from it."""
    if provincial_status is None:
        provincial_status = PilotAssignment.provincial_status_for_level(level)
    level = PilotAssignment.level_for(provincial_status)
    require(permissions.can_manage_pilots(actor), "只有县领导小组办公室可以选定试点村。")
    _visible_or_refuse(Village.objects.editable_by(actor), village, "该村不在您的管辖范围内。")
    _visible_or_refuse(PilotProgram.objects.visible_to(actor), program, "试点项目不存在。")
    assignment = PilotAssignment(
        program=program,
        village=village,
        year=year,
        level=level,
        provincial_status=provincial_status,
        guidance_category=guidance_category or village.guidance_category,
        is_demonstration=is_demonstration,
        notes=notes,
        proposed_by=actor,
        status=PilotStatus.PROPOSED,
    )
    assignment.full_clean()
    assignment.save()
    audit.record(actor=actor, instance=assignment, action=AuditAction.CREATE)
    return assignment


def _locked_assignment(actor, assignment) -> PilotAssignment:
    return (
        PilotAssignment.objects.editable_by(actor)
        .select_for_update()
        .select_related("village", "program")
        .get(pk=assignment.pk)
    )


@transaction.atomic
def pilot_assignment_approve(*, actor, assignment: PilotAssignment, notify: bool = True) -> PilotAssignment:
    """拟定 → 已审批. `notify=False` when the caller tells the township itself (a nomination's
    approval says it once, in its own words)."""
    require(permissions.can_manage_pilots(actor), "只有县领导小组办公室可以审批试点村。")
    assignment = _locked_assignment(actor, assignment)
    if assignment.status != PilotStatus.PROPOSED:
        raise ValidationError(f"只有“拟定”状态的试点可以审批（当前：{assignment.get_status_display()}）。")
    before = audit.snapshot(assignment)
    assignment.status = PilotStatus.APPROVED
    assignment.approved_by = actor
    assignment.approved_at = timezone.now()
    assignment.full_clean()
    assignment.save()
    audit.record(actor=actor, instance=assignment, action=AuditAction.UPDATE, before=before)
    if notify:
        _notify_pilot_township(
            assignment,
            when=assignment.approved_at,
            title=f"【试点已审批】{assignment.village.name}（{assignment.year}年）",
            body=f"{assignment.program.name}：{assignment.village.name}已列为{assignment.year}年试点村（{assignment.get_level_display()}）。",
        )
    return assignment


@transaction.atomic
def pilot_assignment_withdraw(*, actor, assignment: PilotAssignment, reason: str) -> PilotAssignment:
    require(permissions.can_manage_pilots(actor), "只有县领导小组办公室可以撤销试点村。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "撤销试点须填写原因。"})
    assignment = _locked_assignment(actor, assignment)
    if assignment.status == PilotStatus.WITHDRAWN:
        raise ValidationError("该试点已撤销。")
    if assignment.status == PilotStatus.ACCEPTED:
        raise ValidationError("该试点已验收，不能撤销；确需撤销请先撤销验收。")
    before = audit.snapshot(assignment)
    assignment.status = PilotStatus.WITHDRAWN
    assignment.withdrawn_by = actor
    assignment.withdrawn_at = timezone.now()
    assignment.withdraw_reason = reason
    assignment.full_clean()
    assignment.save()
    audit.record(actor=actor, instance=assignment, action=AuditAction.UPDATE, before=before)
    _notify_pilot_township(
        assignment,
        when=assignment.withdrawn_at,
        title=f"【试点已撤销】{assignment.village.name}（{assignment.year}年）",
        body=f"撤销原因：{reason}",
    )
    return assignment


def _notify_pilot_township(assignment: PilotAssignment, *, when: datetime.datetime, title: str, body: str) -> None:
    """The county's decision on a pilot, in the inbox of the village's township officials."""
    notifications.notify(
        users=township_users(assignment.village.township_id),
        source=f"pilot:{assignment.pk}:{assignment.status}:{when:%Y%m%d%H%M%S%f}",
        title=title,
        body=body,
        link=assignment.get_absolute_url(),
    )


# --- acceptance (验收) and close-out (R-A8, SPEC §4.6) ---------------------------------------
# The assessments app decides the facts (the latest inspection's grade, open rectifications,
# the construction standards) and calls these; here the rule that needs no other app: only an
# approved pilot is accepted, with a date and a document number, and a reason whenever the
# facts fall short.


@transaction.atomic
def pilot_assignment_accept(
    *,
    actor,
    assignment: PilotAssignment,
    accepted_on: datetime.date,
    document_no: str,
    shortfalls: list[str],
    basis: str = "",
    reason: str = "",
) -> PilotAssignment:
    """已验收: `shortfalls` are the unmet conditions in Chinese (empty when the pilot is
    eligible); accepting despite any of them requires `reason`."""
    require(permissions.can_manage_pilots(actor), "只有县领导小组办公室可以验收试点村。")
    document_no, reason = (document_no or "").strip(), (reason or "").strip()
    errors = {}
    if not document_no:
        errors["document_no"] = "请填写验收文号。"
    if accepted_on is None:
        errors["accepted_on"] = "请填写验收日期。"
    elif accepted_on > timezone.localdate():
        errors["accepted_on"] = "验收日期不能晚于今天。"
    if shortfalls and not reason:
        errors["reason"] = f"未达到验收条件（{'；'.join(shortfalls)}），仍予验收须填写理由。"
    if errors:
        raise ValidationError(errors)
    assignment = _locked_assignment(actor, assignment)
    if assignment.status != PilotStatus.APPROVED:
        raise ValidationError(f"只有“已审批”的试点可以验收（当前：{assignment.get_status_display()}）。")
    if accepted_on.year < assignment.year:
        raise ValidationError({"accepted_on": f"验收日期不能早于试点年度 {assignment.year} 年。"})
    before = audit.snapshot(assignment)
    assignment.status = PilotStatus.ACCEPTED
    assignment.accepted_on = accepted_on
    assignment.acceptance_document_no = document_no
    assignment.accepted_by = actor
    assignment.acceptance_basis = basis[:300]
    # A reason given for an eligible pilot is kept too: it is the county's own note.
    assignment.acceptance_reason = reason
    assignment.full_clean()
    assignment.save()
    note = f"验收：{document_no}" + (f"；未达条件仍予验收，理由：{reason}" if shortfalls else "")
    audit.record(actor=actor, instance=assignment, action=AuditAction.UPDATE, before=before, note=note)
    _notify_pilot_township(
        assignment,
        when=assignment.updated_at,
        title=f"【试点已验收】{assignment.village.name}（{assignment.year}年）",
        body=f"验收日期 {accepted_on:%Y-%m-%d}，验收文号 {document_no}。",
    )
    return assignment


@transaction.atomic
def pilot_assignment_reopen(*, actor, assignment: PilotAssignment, reason: str) -> PilotAssignment:
    """撤销验收: the pilot goes back to 已审批 (the open ledger). The acceptance's date, number
    and reasons are cleared from the row and kept in the audit entry's before-values; a 示范村
    title, which needs an acceptance, goes with it."""
    require(permissions.can_manage_pilots(actor), "只有县领导小组办公室可以撤销验收。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "撤销验收须填写原因。"})
    assignment = _locked_assignment(actor, assignment)
    if assignment.status != PilotStatus.ACCEPTED:
        raise ValidationError("该试点尚未验收。")
    before = audit.snapshot(assignment)
    assignment.status = PilotStatus.APPROVED
    assignment.accepted_on = None
    assignment.acceptance_document_no = ""
    assignment.accepted_by = None
    assignment.acceptance_basis = ""
    assignment.acceptance_reason = ""
    assignment.is_demonstration = False
    assignment.full_clean()
    assignment.save()
    audit.record(actor=actor, instance=assignment, action=AuditAction.UPDATE, before=before, note=f"撤销验收：{reason}")
    _notify_pilot_township(
        assignment,
        when=assignment.updated_at,
        title=f"【试点验收已撤销】{assignment.village.name}（{assignment.year}年）",
        body=f"撤销原因：{reason}",
    )
    return assignment


@transaction.atomic
def pilot_assignment_set_demonstration(
    *, actor, assignment: PilotAssignment, named: bool, excellent: bool, grade: str = "", reason: str = ""
) -> PilotAssignment:
    """试点示范村 (R-A7): only an accepted pilot graded 优秀 (`excellent`, decided from its latest
    inspection by the caller) may be named; removing the title needs a reason."""
    require(permissions.can_manage_pilots(actor), "只有县领导小组办公室可以命名试点示范村。")
    reason = (reason or "").strip()
    assignment = _locked_assignment(actor, assignment)
    if named:
        if assignment.status != PilotStatus.ACCEPTED:
            raise ValidationError("只有已验收的试点村可以命名为试点示范村。")
        if not excellent:
            raise ValidationError(f"只有检查验收等次为优秀的试点村可以命名为试点示范村（{grade or '尚无检查结果'}）。")
        if assignment.is_demonstration:
            raise ValidationError("该村已是试点示范村。")
        note = "命名为试点示范村" + (f"：{reason}" if reason else "")
    else:
        if not assignment.is_demonstration:
            raise ValidationError("该村不是试点示范村。")
        if not reason:
            raise ValidationError({"reason": "取消试点示范村须填写原因。"})
        note = f"取消试点示范村：{reason}"
    before = audit.snapshot(assignment)
    assignment.is_demonstration = named
    assignment.save()
    audit.record(actor=actor, instance=assignment, action=AuditAction.UPDATE, before=before, note=note)
    return assignment


INDICATOR_FIELDS = tuple(
    f.name
    for f in VillageIndicator._meta.concrete_fields
    if f.name
    not in {
        "id",
        "village",
        "year",
        "status",
        "reported_by",
        "reported_at",
        "confirmed_by",
        "confirmed_at",
        "return_reason",
        "created_at",
        "updated_at",
        "version",
    }
)


def open_indicator_years(*, county_id) -> list[int]:
    """The years the county has open for indicator entry, newest first."""
    return list(
        IndicatorYear.objects.filter(county=county_id, closed_at__isnull=True)
        .order_by("-year")
        .values_list("year", flat=True)
    )


def require_open_indicator_year(*, county_id, year: int) -> None:
    row = IndicatorYear.objects.filter(county=county_id, year=year).first()
    if row is None:
        raise ValidationError(f"{year}年度指标尚未开放填报，请联系县领导小组办公室。")
    if not row.is_open:
        raise ValidationError(f"{year}年度指标填报已关闭，不能再提交或修改。")


@transaction.atomic
def village_indicator_submit(
    *, actor, village: Village, year: int, version: int | None = None, **data
) -> VillageIndicator:
    """The township's yearly indicator record for a village: created, or resubmitted while not
    yet confirmed (a confirmed record is locked)."""
    require(permissions.can_submit_indicators(actor), "您的角色不能填报村年度指标。")
    _visible_or_refuse(Village.objects.indicators_submittable_by(actor), village, "该村不在您的管辖范围内。")
    require_open_indicator_year(county_id=village.township.county_id, year=year)
    indicator = VillageIndicator.objects.select_for_update().filter(village=village, year=year).first()
    action = AuditAction.UPDATE if indicator else AuditAction.CREATE
    if indicator is None:
        indicator = VillageIndicator(village=village, year=year)
        before = None
    else:
        if indicator.status == IndicatorStatus.CONFIRMED:
            raise ValidationError("该村本年度指标已确认，不能再修改。")
        locking.claim_version(indicator, version)
        before = audit.snapshot(indicator)
    unknown = set(data) - set(INDICATOR_FIELDS)
    if unknown:
        raise ValidationError(f"未知字段：{', '.join(sorted(unknown))}")
    for name, value in data.items():
        setattr(indicator, name, value)
    indicator.status = IndicatorStatus.SUBMITTED
    indicator.return_reason = ""
    indicator.reported_by = actor
    indicator.reported_at = timezone.now()
    indicator.full_clean()
    indicator.save()
    audit.record(actor=actor, instance=indicator, action=action, before=before)
    return indicator


@transaction.atomic
def village_indicator_confirm(*, actor, indicator: VillageIndicator) -> VillageIndicator:
    require(permissions.can_confirm_indicators(actor), "只有县领导小组办公室可以确认村年度指标。")
    indicator = VillageIndicator.objects.editable_by(actor).select_for_update().get(pk=indicator.pk)
    if indicator.status != IndicatorStatus.SUBMITTED:
        raise ValidationError("只有“已提交”的指标可以确认。")
    before = audit.snapshot(indicator)
    locking.bump_version(indicator)
    indicator.status = IndicatorStatus.CONFIRMED
    indicator.confirmed_by = actor
    indicator.confirmed_at = timezone.now()
    indicator.save()
    audit.record(actor=actor, instance=indicator, action=AuditAction.UPDATE, before=before)
    _notify_indicator_township(
        indicator,
        title=f"【指标已确认】{indicator.village.name} {indicator.year}年度指标",
        body="县领导小组办公室已确认，本年度指标不再修改。",
    )
    return indicator


@transaction.atomic
def village_indicator_return(*, actor, indicator: VillageIndicator, reason: str) -> VillageIndicator:
    require(permissions.can_confirm_indicators(actor), "只有县领导小组办公室可以退回村年度指标。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "退回须填写原因。"})
    indicator = VillageIndicator.objects.editable_by(actor).select_for_update().get(pk=indicator.pk)
    if indicator.status != IndicatorStatus.SUBMITTED:
        raise ValidationError("只有“已提交”的指标可以退回。")
    before = audit.snapshot(indicator)
    locking.bump_version(indicator)
    indicator.status = IndicatorStatus.RETURNED
    indicator.return_reason = reason
    indicator.save()
    audit.record(actor=actor, instance=indicator, action=AuditAction.UPDATE, before=before)
    _notify_indicator_township(
        indicator,
        title=f"【指标被退回】{indicator.village.name} {indicator.year}年度指标",
        body=f"退回原因：{reason}。请修改后重新提交。",
    )
    return indicator


def _notify_indicator_township(indicator: VillageIndicator, *, title: str, body: str) -> None:
    """The county's decision on an indicator, told to the township that fills it. The version
    (bumped by each decision) makes the source unique: returned, resubmitted and returned again
    notifies twice, a retry never."""
    notifications.notify(
        users=township_users(indicator.village.township_id),
        source=f"indicator:{indicator.pk}:{indicator.status}:{indicator.version}",
        title=title,
        body=body,
        link=indicator.get_absolute_url(),
    )


@transaction.atomic
def pilot_assignments_propose(
    *, actor, program: PilotProgram, year: int, level: str, villages
) -> list[PilotAssignment]:
    """Select several villages at once; all are proposed or, on any error, none."""
    return [
        pilot_assignment_propose(actor=actor, program=program, village=village, year=year, level=level)
        for village in villages
    ]


def _townships_by_name(actor, rows) -> dict[str, list[Township]]:
    """The townships the actor may write to, by name (a name outside the scope is unknown)."""
    names = {row.data["township"] for row in rows if "township" in row.data}
    found: dict[str, list[Township]] = {}
    for township in Township.objects.editable_by(actor).filter(name__in=names):
        found.setdefault(township.name, []).append(township)
    return found


def _resolve_township(row, townships, columns, errors) -> Township | None:
    name = row.data.get("township")
    if name is None:
        return None
    matches = townships.get(name, [])
    if len(matches) == 1:
        return matches[0]
    if matches:
        message = f"有多个县都有名为“{name}”的乡镇，无法确定是哪一个。"
    else:
        message = f"乡镇“{name}”不存在或不在您的管辖范围内。"
    errors.append(RowError(row.number, columns.header("township"), message))
    return None


def _first_seen(seen: dict, key, row, column: str, message: str, errors) -> None:
    """Report a repeated key on its later row, naming the row where it first appeared."""
    if key in seen:
        errors.append(RowError(row.number, column, message.format(first=seen[key])))
    else:
        seen[key] = row.number


VILLAGE_IMPORT_FIELDS = ("code", "households", "population", "resident_population", "is_poverty_village")


def _established_error(row, village, today) -> str:
    """设立日期 in a village row (README "村的历史沿革"): a new village must say it, as a date
    or 建档前已有, because a guessed "today" would drop a county's existing villages from every
    past year; an existing village's date is not changed by an import, only read back."""
    if "established_on" not in row.data:
        if village is None:
            return f"新增的村须填写设立日期：填日期，或填“{BEFORE_RECORDS}”（建档前就已存在的村）。"
        return ""
    given = row.data["established_on"]
    if village is None:
        return "设立日期不能晚于今天。" if given is not None and given > today else ""
    if given != village.established_on:
        stored = f"{village.established_on:%Y-%m-%d}" if village.established_on else BEFORE_RECORDS
        return (
            f"与系统中该村的设立日期（{stored}）不同。导入不修改村的历史沿革："
            "请留空或照填系统中的值；村的沿革在村页面“历史沿革”中记录。"
        )
    return ""


def village_import(*, actor, rows: list[ImportRow], dry_run: bool) -> ImportResult:
    """Create or update villages from a sheet, matched by township and name. Every row passes
    the model's own validation (as in village_create/update) or nothing is written; an
    unchanged village is neither written nor counted."""
    require(permissions.can_import_villages(actor), "只有县领导小组办公室可以导入村。")
    columns = VILLAGE_COLUMNS
    errors: list[RowError] = []
    townships = _townships_by_name(actor, rows)
    existing = {
        (village.township_id, village.name): village
        for village in Village.objects.editable_by(actor)
        .filter(
            township__in=[t for found in townships.values() for t in found],
            name__in={row.data["name"] for row in rows if "name" in row.data},
        )
        .select_related("township")
    }
    # Codes are unique in the whole database, so the clash check is not scoped.
    code_owners = {
        village.code: village
        for village in Village.objects.filter(
            code__in={row.data["code"] for row in rows if row.data.get("code")}
        ).select_related("township")
    }
    owner_ids = [village.pk for village in code_owners.values()]
    visible_ids = set(Village.objects.visible_to(actor).filter(pk__in=owner_ids).values_list("pk", flat=True))
    code_taken = constraint_message(Village, "village_unique_code")
    seen_names, seen_codes = {}, {}
    creates, updates, changed_fields = [], [], set()
    today = timezone.localdate()
    for row in rows:
        row_errors: list[RowError] = []
        township = _resolve_township(row, townships, columns, row_errors)
        name, code = row.data.get("name"), row.data.get("code")
        if name and "township" in row.data:
            _first_seen(
                seen_names,
                (row.data["township"], name),
                row,
                columns.header("name"),
                "与第 {first} 行重复（同一乡镇、同一村名）。",
                row_errors,
            )
        if code:
            _first_seen(seen_codes, code, row, columns.header("code"), "与第 {first} 行的村代码重复。", row_errors)
        # Every check runs on every row, whatever failed before it, so a row's problems are all
        # reported in one run; a cell that could not be read is left out of the later checks.
        failed = columns.failed_fields(row)
        village = existing.get((township.pk, name)) if township is not None else None
        owner = code_owners.get(code) if code else None
        if township is not None and owner is not None and (village is None or owner.pk != village.pk):
            where = f"（已用于{owner.township.name}{owner.name}）" if owner.pk in visible_ids else ""
            row_errors.append(RowError(row.number, columns.header("code"), f"{code_taken}{where}"))
        values = {f: row.data[f] for f in VILLAGE_IMPORT_FIELDS if f in row.data}
        if township is not None and "established_on" not in failed:
            established_error = _established_error(row, village, today)
            if established_error:
                row_errors.append(RowError(row.number, columns.header("established_on"), established_error))
        if village is None:
            # The sheet says when a new village was established (issue 13): a county's first
            # load is mostly 建档前已有, a village founded now carries its date.
            village = Village(township=township, name=name, established_on=row.data.get("established_on"))
            before, changes = None, list(values)
        else:
            before = audit.snapshot(village)
            changes = [f for f, value in values.items() if getattr(village, f) != value]
        for f in changes:
            setattr(village, f, values[f])
        try:
            # The unique constraints were checked for the whole file above, in one query each
            # instead of one per row; the township is the one just looked up.
            village.full_clean(exclude=["township", *failed], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            row_errors.extend(columns.errors_from(row.number, error, model=Village))
        errors.extend(row_errors)
        if township is None or not row.ok or row_errors:
            continue
        if before is None:
            creates.append(village)
        elif changes:
            updates.append((village, before))
            changed_fields.update(changes)

    def write():
        now = timezone.now()
        Village.objects.bulk_create(creates, batch_size=1000)
        # As village_create does: a dated establishment is an event on the village's page.
        events = VillageEvent.objects.bulk_create(
            [
                VillageEvent(village=v, kind=VillageEventKind.ESTABLISHED, date=v.established_on, recorded_by=actor)
                for v in creates
                if v.established_on is not None
            ],
            batch_size=1000,
        )
        for village, _ in updates:
            village.updated_at = now
            # An edit form opened before the import is stale now.
            locking.bump_version(village)
        Village.objects.bulk_update(
            [village for village, _ in updates], [*sorted(changed_fields), "updated_at", "version"], batch_size=1000
        )
        audit.record_bulk(
            actor=actor,
            items=[(v, AuditAction.CREATE, None) for v in creates]
            + [(e, AuditAction.CREATE, None) for e in events]
            + [(v, AuditAction.UPDATE, b) for v, b in updates],
            note=IMPORT_AUDIT_NOTE,
        )

    return finish_import(
        columns=columns,
        rows=rows,
        errors=errors,
        created=len(creates),
        updated=len(updates),
        dry_run=dry_run,
        write=write,
    )


def _programs_by_key(actor, rows) -> tuple[dict, dict]:
    keys = {row.data["program"] for row in rows if "program" in row.data}
    by_code, by_name = {}, {}
    for program in PilotProgram.objects.visible_to(actor).filter(Q(code__in=keys) | Q(name__in=keys)):
        by_code[program.code] = program
        by_name.setdefault(program.name, []).append(program)
    return by_code, by_name


def pilot_assignment_import(*, actor, rows: list[ImportRow], dry_run: bool) -> ImportResult:
    """Propose pilots from a sheet (status 拟定, like pilot_assignment_propose; approval stays a
    deliberate act on the pilot page). A village already a pilot of the program with the same
    year and level is skipped; with another year or level it is an error."""
    require(permissions.can_import_pilots(actor), "只有县领导小组办公室可以导入试点村。")
    columns = PILOT_COLUMNS
    errors: list[RowError] = []
    townships = _townships_by_name(actor, rows)
    villages = {
        (village.township_id, village.name): village
        for village in Village.objects.editable_by(actor)
        .filter(
            township__in=[t for found in townships.values() for t in found],
            name__in={row.data["village"] for row in rows if "village" in row.data},
        )
        .select_related("township")
    }
    by_code, by_name = _programs_by_key(actor, rows)
    current = {
        (pilot.program_id, pilot.village_id): pilot
        for pilot in PilotAssignment.objects.exclude(status=PilotStatus.WITHDRAWN).filter(
            program__in=list(by_code.values()), village__in=list(villages.values())
        )
    }
    seen = {}
    creates = []
    for row in rows:
        row_errors: list[RowError] = []
        township = _resolve_township(row, townships, columns, row_errors)
        village = program = None
        if township is not None and "village" in row.data:
            village = villages.get((township.pk, row.data["village"]))
            if village is None:
                message = f"{township.name}没有名为“{row.data['village']}”的村。"
                row_errors.append(RowError(row.number, columns.header("village"), message))
        key = row.data.get("program")
        if key is not None:
            program = by_code.get(key)
            matches = [program] if program else by_name.get(key, [])
            if len(matches) == 1:
                program = matches[0]
            else:
                message = (
                    f"有多个名为“{key}”的试点项目，请填写项目代码。"
                    if matches
                    else f"试点项目“{key}”不存在或不在您的管辖范围内。"
                )
                row_errors.append(RowError(row.number, columns.header("program"), message))
        if village is not None and program is not None:
            _first_seen(
                seen,
                (program.pk, village.pk),
                row,
                columns.header("village"),
                "与第 {first} 行重复（同一试点项目、同一村）。",
                row_errors,
            )
        failed = columns.failed_fields(row)
        year, level = row.data.get("year"), row.data.get("level")
        existing = current.get((program.pk, village.pk)) if village is not None and program is not None else None
        if existing is not None and None not in (year, level) and (existing.year, existing.level) != (year, level):
            row_errors.append(
                RowError(
                    row.number,
                    columns.header("year" if existing.year != year else "level"),
                    f"该村已是本项目 {existing.year} 年{existing.get_level_display()}试点村"
                    f"（{existing.get_status_display()}），与本行不同；如需更改，请先在试点村页面撤销原记录。",
                )
            )
        # Every check runs on every row, so a row's problems are all reported in one run: the
        # model's rules (the year within the program) are asked even when the village is unknown.
        assignment = PilotAssignment(
            program=program,
            village=village,
            year=year,
            level=level or PilotLevel.COUNTY,
            provincial_status=PilotAssignment.provincial_status_for_level(level or PilotLevel.COUNTY),
            guidance_category=village.guidance_category if village is not None else "",
            proposed_by=actor,
            status=PilotStatus.PROPOSED,
        )
        try:
            # Once-per-program was checked above against `current`; the related rows were looked up.
            assignment.full_clean(
                exclude=["program", "village", "proposed_by", "approved_by", "withdrawn_by", *failed],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            row_errors.extend(columns.errors_from(row.number, error, model=PilotAssignment))
        errors.extend(row_errors)
        if village is None or program is None or not row.ok or row_errors or existing is not None:
            continue
        creates.append(assignment)

    def write():
        PilotAssignment.objects.bulk_create(creates, batch_size=1000)
        audit.record_bulk(actor=actor, items=[(p, AuditAction.CREATE, None) for p in creates], note=IMPORT_AUDIT_NOTE)

    return finish_import(
        columns=columns, rows=rows, errors=errors, created=len(creates), updated=0, dry_run=dry_run, write=write
    )


# --- the county's reporting units ---------------------------------------------------------


def unit_for(user) -> Department | None:
    """The reporting unit a department or township user speaks for."""
    if user.role == Role.DEPARTMENT:
        return user.department
    if user.role == Role.TOWNSHIP:
        return Department.objects.filter(township=user.township_id).first()
    return None


def township_users(township_id):
    """The active officials of a township: who a county decision on its villages concerns."""
    return User.objects.filter(is_active=True, role=Role.TOWNSHIP, township=township_id)


def unit_users(unit: Department):
    """The active accounts that speak for a reporting unit (unit_for's inverse): a township
    government's officials, or a county department's staff."""
    if unit.township_id:
        return township_users(unit.township_id)
    return User.objects.filter(is_active=True, role=Role.DEPARTMENT, department=unit)


def township_government_ensure(*, township) -> Department:
    """Every township is a reporting unit: its government's Department row, made on demand."""
    department, _ = Department.objects.get_or_create(
        township=township,
        defaults={
            "county_id": township.county_id,
            "key": f"township-{township.pk}",
            "name": f"{township.name}人民政府",
            "short_name": township.name,
            "kind": DepartmentKind.TOWNSHIP,
        },
    )
    return department
