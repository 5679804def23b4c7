"""Every write of the guardianship app: checked, validated, in one transaction, audited."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from guardianship import permissions, rules
from guardianship.choices import CivilCapacity, FindingStatus, GuardianCategory, PersonStatus, SelfCareLevel
from guardianship.models import (
    Agreement,
    DibaoStandard,
    Guardian,
    GuardianReplacement,
    GuardianshipPolicy,
    Person,
    SelfCareAssessment,
    SupervisionFinding,
    Visit,
    VisitPhoto,
)
from pilot_admin import locking, uploads
from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction, Role
from pilot_admin.excel import clean_in_memory
from pilot_admin.models import Notification, User
from pilot_admin.services import require
from villages.models import Village

PERSON_FIELDS = (
    "name",
    "id_number",
    "village",
    "address",
    "kind",
    "disability_type",
    "disability_grade",
    "civil_capacity",
    "support_mode",
    "institution",
    "monthly_income_yuan",
    "property_ok",
    "obligor_situation",
    "notes",
)


def policy_for(county) -> GuardianshipPolicy:
    policy, _ = GuardianshipPolicy.objects.get_or_create(county=county)
    return policy


def person_identity(
    person: Person, *, viewer, today: datetime.date | None = None, full: bool | None = None
) -> rules.ShownIdentity:
    """Who the person is, as far as `viewer` may see: in full, or masked with nothing beside the
    mask that gives back what it hides. `full=False` masks even for a viewer who may see the
    number (a list, unless they asked); `full=True` never unmasks for one who may not."""
    allowed = permissions.can_see_full_id_numbers(viewer)
    return rules.shown_identity(person, full=allowed and full is not False, today=today or timezone.localdate())


FULL_ID_REGISTER_READ = "特困人员名册（完整身份证号）"


def person_register_full_ids(*, actor, asked: bool, rows: int) -> bool:
    """Whether the register page shows full ID numbers: only when asked for by a role that may
    see them (permissions.can_see_full_id_numbers); such a read is written to the audit trail
    with the page's filters and how many persons it showed."""
    if not (asked and permissions.can_see_full_id_numbers(actor)):
        return False
    audit.record_read(what=FULL_ID_REGISTER_READ, model=Person, rows=rows)
    return True


def screening(persons, *, county, viewer, today: datetime.date | None = None) -> list[tuple[Person, rules.Eligibility]]:
    """摸底排查: every person with their eligibility, judged with the county's policy and this
    year's dibao standard looked up once; ages named as `viewer` may see them."""
    today = today or timezone.localdate()
    policy = policy_for(county)
    dibao = DibaoStandard.objects.filter(county=county, year=today.year).values_list("monthly_yuan", flat=True).first()
    return [
        (
            person,
            rules.eligibility(
                person,
                policy=policy,
                dibao_monthly_yuan=dibao,
                today=today,
                age_text=person_identity(person, viewer=viewer, today=today).age_text,
            ),
        )
        for person in persons
    ]


def person_eligibility(person: Person, *, viewer, today: datetime.date | None = None) -> rules.Eligibility:
    today = today or timezone.localdate()
    county = person.village.township.county
    dibao = DibaoStandard.objects.filter(county=county, year=today.year).values_list("monthly_yuan", flat=True).first()
    age_text = person_identity(person, viewer=viewer, today=today).age_text
    return rules.eligibility(
        person, policy=policy_for(county), dibao_monthly_yuan=dibao, today=today, age_text=age_text
    )


def person_villages(actor):
    """The villages whose persons `actor` registers and changes (a township official: their own
    township's)."""
    return Village.objects.township_work_by(actor)


@dataclass(frozen=True)
class PersonChecks:
    """The database look-ups person_validate makes for one person, made once for a batch of them
    (the import): which of the batch's villages the actor keeps persons in, and which of its ID
    numbers are registered, to whom."""

    village_ids: frozenset[int]
    registered: dict[str, int]


def person_checks(*, actor, villages, id_numbers) -> PersonChecks:
    """person_validate's look-ups for a batch, in two queries whatever its size."""
    village_ids = person_villages(actor).filter(pk__in={village.pk for village in villages})
    return PersonChecks(
        village_ids=frozenset(village_ids.values_list("pk", flat=True)),
        registered=dict(Person.objects.filter(id_number__in=set(id_numbers)).order_by().values_list("id_number", "pk")),
    )


@dataclass(frozen=True)
class PersonDraft:
    """A person built and checked by person_validate, not saved; `before` is the stored person's
    audit snapshot and `stored` its field values (locking.field_values) when it is a change
    (None for a new person)."""

    person: Person
    before: dict | None
    stored: dict | None = None


def person_validate(*, actor, person: Person | None = None, checks: PersonChecks | None = None, **data) -> PersonDraft:
    """Build the person `data` describes (a new one, or `person` changed) and apply every rule of
    person_save to it, writing nothing. The ID number is checked and gives the birth date and
    gender; the village must be one the actor may edit (a township official: their own). A
    stored person is loaded again and locked: call this inside the transaction that saves it.
    With `checks` (a batch) the village and the ID number are judged from them, and the model's
    CHECK constraints in Python, instead of several queries per person."""
    require(permissions.can_edit_persons(actor), "您的角色不能登记特困人员。")
    unknown = set(data) - set(PERSON_FIELDS)
    if unknown:
        raise ValidationError(f"字段 {', '.join(sorted(unknown))} 不可修改。")
    try:
        facts = rules.parse_id_number(data.get("id_number", person.id_number if person else ""))
    except ValidationError as error:
        # The number's field carries its error, on the form and in the API's field map alike.
        raise ValidationError({"id_number": error.messages}) from error
    village = data.get("village") or (person.village if person else None)
    if village is None or not (
        village.pk in checks.village_ids
        if checks is not None
        else person_villages(actor).filter(pk=village.pk).exists()
    ):
        raise ValidationError({"village": "该村不在您的管辖范围内。"})
    if person is None:
        person, before, stored = Person(), None, None
    else:
        person = Person.objects.editable_by(actor).select_for_update().get(pk=person.pk)
        before, stored = audit.snapshot(person), locking.field_values(person)
    for name, value in data.items():
        setattr(person, name, value)
    person.id_number, person.birth_date, person.gender = facts.number, facts.birth_date, facts.gender
    if checks is None:
        person.full_clean()
    else:
        _clean_with_checks(person, checks)
    return PersonDraft(person=person, before=before, stored=stored)


def _clean_with_checks(person: Person, checks: PersonChecks) -> None:
    """full_clean, with the village (found in the database by the batch) left out and the ID
    number's uniqueness (the model's only unique field) judged from `checks`."""
    errors: dict = {}
    try:
        clean_in_memory(person, exclude=["village"])
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if "id_number" not in errors and checks.registered.get(person.id_number, person.pk) != person.pk:
        errors.setdefault("id_number", []).append(person.unique_error_message(Person, ("id_number",)))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def person_save(*, actor, person: Person | None = None, version: int | None = None, **data) -> Person:
    """Create or change a person, checked by person_validate. `version` is the one the editor
    saw; a stale one is refused. A change to the values already stored writes nothing: no new
    version, no audit entry."""
    draft = person_validate(actor=actor, person=person, **data)
    if draft.before is not None and not locking.claim_version_if_changed(draft.person, version, draft.stored):
        return draft.person
    draft.person.save()
    action = AuditAction.CREATE if draft.before is None else AuditAction.UPDATE
    audit.record(actor=actor, instance=draft.person, action=action, before=draft.before)
    return draft.person


FULL_ID_EXPORT_NOTE = "导出完整身份证号"


def person_export_full_ids(*, actor, asked: bool, persons, filters: str) -> bool:
    """Whether the register export shows full ID numbers: only when asked for by a user who may
    (permissions.can_export_full_id). Such an export is written to the audit trail with how
    many persons it held and the filters that chose them; any other request gets masked numbers."""
    if not (asked and permissions.can_export_full_id(actor)):
        return False
    county = actor.county
    audit.record(
        actor=actor,
        instance=county,
        action=AuditAction.UPDATE,
        before=audit.snapshot(county),
        note=f"{FULL_ID_EXPORT_NOTE}：特困人员名册 {persons.count()} 人（筛选：{filters or '无'}）",
    )
    return True


@transaction.atomic
def person_exit(*, actor, person: Person, reason: str, exit_date: datetime.date) -> Person:
    require(permissions.can_edit_persons(actor), "您的角色不能办理退出。")
    person = Person.objects.editable_by(actor).select_for_update().get(pk=person.pk)
    before = audit.snapshot(person)
    locking.bump_version(person)
    person.status, person.exit_reason, person.exit_date = PersonStatus.EXITED, (reason or "").strip(), exit_date
    person.full_clean()
    person.save()
    audit.record(actor=actor, instance=person, action=AuditAction.UPDATE, before=before)
    return person


@transaction.atomic
def self_care_assess(
    *, actor, person: Person, assessed_on: datetime.date, assessor: str, **items
) -> SelfCareAssessment:
    """Record the six items; the level follows from the policy. A decline is flagged for the
    township to review the support mode and guardian (the caller shows it)."""
    require(permissions.can_edit_persons(actor), "您的角色不能评估自理能力。")
    person = (
        Person.objects.editable_by(actor)
        .select_for_update()
        .select_related("village__township__county")
        .get(pk=person.pk)
    )
    if set(items) != set(rules.SELF_CARE_ITEMS):
        raise ValidationError("六项自理能力指标须逐项填写。")
    unmet = sum(1 for name in rules.SELF_CARE_ITEMS if not items[name])
    level = rules.self_care_level(unmet, policy=policy_for(person.village.township.county))
    assessment = SelfCareAssessment(
        person=person, assessed_on=assessed_on, assessor=assessor, unmet_count=unmet, level=level, **items
    )
    assessment.full_clean()
    assessment.save()
    before = audit.snapshot(person)
    previous = person.self_care_level
    person.self_care_level = level
    person.save(update_fields=["self_care_level", "updated_at"])
    audit.record(actor=actor, instance=assessment, action=AuditAction.CREATE)
    audit.record(actor=actor, instance=person, action=AuditAction.UPDATE, before=before)
    if previous and LEVEL_ORDER.index(level) > LEVEL_ORDER.index(previous):
        _alert_decline(person, assessment, previous)
    return assessment


LEVEL_ORDER = (SelfCareLevel.FULL, SelfCareLevel.PARTIAL, SelfCareLevel.NONE)


def _alert_decline(person: Person, assessment: SelfCareAssessment, previous: str) -> None:
    """A decline alerts the township's officials in their inbox: review support mode and guardian."""
    officials = User.objects.filter(is_active=True, role=Role.TOWNSHIP, township=person.village.township_id)
    title = f"【自理能力下降】{person.name}：{SelfCareLevel(previous).label} → {assessment.get_level_display()}"
    body = "请复核其供养方式和监护人是否仍然合适，必要时调整。"
    Notification.objects.bulk_create(
        [
            Notification(
                user=user,
                source=f"self_care_decline:{assessment.pk}",
                title=title[:200],
                body=body,
                link=person.get_absolute_url(),
            )
            for user in officials
        ],
        ignore_conflicts=True,
    )


def _new_guardian(
    person,
    *,
    kind,
    name,
    relation,
    phone,
    has_close_relative,
    willing,
    consent_by,
    consent_on,
    able_to_perform,
    start_date,
) -> Guardian:
    category = rules.guardian_category(has_close_relative=has_close_relative, willing_guardian=willing, kind=kind)
    if category == GuardianCategory.III and kind == "village_committee" and not able_to_perform:
        raise ValidationError({"kind": "村（居）委会不具备履行监护职责条件时，应由乡镇民政部门担任监护人。"})
    guardian = Guardian(
        person=person,
        kind=kind,
        name=name,
        relation=relation,
        phone=phone,
        category=category,
        consent_by=consent_by,
        consent_on=consent_on,
        able_to_perform=able_to_perform,
        start_date=start_date,
    )
    guardian.full_clean()
    return guardian


@transaction.atomic
def guardian_assign(
    *,
    actor,
    person: Person,
    start_date: datetime.date,
    has_close_relative: bool,
    willing: bool = False,
    kind: str,
    name: str,
    relation: str = "",
    phone: str = "",
    consent_by: str = "",
    consent_on=None,
    able_to_perform: bool = True,
) -> Guardian:
    """Confirm the first guardian of a person without one; the category follows from the facts."""
    require(permissions.can_edit_persons(actor), "您的角色不能确定监护人。")
    person = Person.objects.editable_by(actor).select_for_update().get(pk=person.pk)
    if person.civil_capacity == CivilCapacity.FULL:
        raise ValidationError("完全民事行为能力人不需要确定监护人（监护照护以无、限制民事行为能力人为重点）。")
    if person.guardians.filter(is_active=True).exists():
        raise ValidationError("该人员已有现任监护人，请用“更换监护人”。")
    guardian = _new_guardian(
        person,
        kind=kind,
        name=name,
        relation=relation,
        phone=phone,
        has_close_relative=has_close_relative,
        willing=willing,
        consent_by=consent_by,
        consent_on=consent_on,
        able_to_perform=able_to_perform,
        start_date=start_date,
    )
    guardian.save()
    audit.record(actor=actor, instance=guardian, action=AuditAction.CREATE)
    return guardian


@transaction.atomic
def guardian_replace(
    *,
    actor,
    person: Person,
    reason: str,
    decided_on: datetime.date,
    note: str = "",
    finding: SupervisionFinding | None = None,
    **new,
) -> GuardianReplacement:
    """End the active guardian with the reason and confirm the new one; the history stays."""
    require(permissions.can_edit_persons(actor), "您的角色不能更换监护人。")
    person = Person.objects.editable_by(actor).select_for_update().get(pk=person.pk)
    old = person.guardians.filter(is_active=True).first()
    if old is None:
        raise ValidationError("该人员没有现任监护人，请先确定监护人。")
    if not reason:
        raise ValidationError({"reason": "请选择更换原因。"})
    before = audit.snapshot(old)
    old.is_active, old.end_date, old.end_reason = False, decided_on, reason
    old.save()
    audit.record(actor=actor, instance=old, action=AuditAction.UPDATE, before=before)
    new_guardian = _new_guardian(person, start_date=decided_on, **new)
    new_guardian.save()
    audit.record(actor=actor, instance=new_guardian, action=AuditAction.CREATE)
    replacement = GuardianReplacement(
        person=person,
        old_guardian=old,
        new_guardian=new_guardian,
        reason=reason,
        note=note,
        finding=finding,
        decided_on=decided_on,
        decided_by=actor,
    )
    replacement.full_clean()
    replacement.save()
    audit.record(actor=actor, instance=replacement, action=AuditAction.CREATE)
    return replacement


@transaction.atomic
def agreement_sign(*, actor, guardian: Guardian, signed_on: datetime.date, duties: list[str], upload=None) -> Agreement:
    """An agreement must name specific duties (R-H17: vague agreements were the inspection's
    finding)."""
    require(permissions.can_edit_persons(actor), "您的角色不能登记监护协议。")
    guardian = Guardian.objects.editable_by(actor).filter(pk=guardian.pk, is_active=True).first()
    if guardian is None:
        raise ValidationError("监护人不存在或已不是现任监护人。")
    from guardianship.choices import Duty

    if not duties or set(duties) - set(Duty.values):
        raise ValidationError({"duties": "协议须明确至少一项具体监护照料职责。"})
    agreement = Agreement(guardian=guardian, signed_on=signed_on, duties=sorted(set(duties)))
    if upload is not None:
        agreement.document_name = uploads.checked_attachment_name(upload)
        agreement.document.save(agreement.document_name, upload, save=False)
    agreement.full_clean()
    agreement.save()
    audit.record(actor=actor, instance=agreement, action=AuditAction.CREATE)
    return agreement


def visit_persons(actor):
    """The persons whose visits `actor` records (a township official: their own township's)."""
    return Person.objects.editable_by(actor)


def visit_rule_errors(*, visited_on: datetime.date | None, findings: dict, today: datetime.date | None = None) -> dict:
    """visit_record's own rules on a visit's date and findings, all at once (the import also
    asks them of a row whose person is not found): never in the future, and a problem written
    whenever something is not assured."""
    errors = {}
    if visited_on is not None and visited_on > (today or timezone.localdate()):
        errors["visited_on"] = ["走访日期不能晚于今天。"]
    if not all(findings.get(name, True) for name in VISIT_CHECKS) and not (findings.get("problems") or "").strip():
        errors["problems"] = ["有未保障的项目时须写明发现的问题。"]
    return errors


def visit_validate(
    *,
    actor,
    person: Person,
    visited_on: datetime.date,
    visitor_name: str,
    today: datetime.date | None = None,
    persons: dict[int, Person] | None = None,
    **findings,
) -> Visit:
    """Build a home visit and apply every rule of visit_record to it, writing nothing: never in
    the future, never for another township's person or one who has exited. `persons` (a batch:
    the actor's visit_persons among it by pk, loaded once) replaces the per-visit look-up, and
    the model is then checked without queries."""
    require(permissions.can_record_visits(actor), "您的角色不能登记走访。")
    person = visit_persons(actor).filter(pk=person.pk).first() if persons is None else persons.get(person.pk)
    if person is None:
        raise ValidationError("该人员不在您的管辖范围内。")
    errors = visit_rule_errors(visited_on=visited_on, today=today, findings=findings)
    if person.status != PersonStatus.ACTIVE:
        errors[NON_FIELD_ERRORS] = ["该人员已退出，不再登记走访。"]
    if errors:
        raise ValidationError(errors)
    visit = Visit(person=person, visited_on=visited_on, visitor=actor, visitor_name=visitor_name.strip(), **findings)
    if persons is None:
        visit.full_clean()
    else:
        # The person was found in scope above and the visitor is the signed-in actor; Visit has
        # no unique fields besides its key.
        clean_in_memory(visit, exclude=["person", "visitor"])
    return visit


@transaction.atomic
def visit_record(
    *,
    actor,
    person: Person,
    visited_on: datetime.date,
    visitor_name: str,
    today: datetime.date | None = None,
    photos=(),
    **findings,
) -> Visit:
    """A home visit, checked by visit_validate, with its photos."""
    visit = visit_validate(
        actor=actor, person=person, visited_on=visited_on, visitor_name=visitor_name, today=today, **findings
    )
    names = [uploads.checked_attachment_name(photo) for photo in photos]
    visit.save()
    for name, photo in zip(names, photos, strict=True):
        stored = VisitPhoto(visit=visit, original_name=name)
        stored.file.save(name, photo, save=True)
    audit.record(actor=actor, instance=visit, action=AuditAction.CREATE, note=f"照片 {len(names)} 张" if names else "")
    return visit


VISIT_CHECKS = ("food_ok", "clothing_ok", "housing_safe", "medical_ok", "hygiene_ok", "heating_ok", "spirits_ok")


@transaction.atomic
def finding_create(
    *,
    actor,
    township,
    problem: str,
    deadline: datetime.date,
    found_on: datetime.date,
    person: Person | None = None,
    requires_guardian_replacement: bool = False,
) -> SupervisionFinding:
    require(permissions.can_supervise(actor), "只有县民政局可以登记督查问题。")
    if person is not None and person.village.township_id != township.pk:
        raise ValidationError({"person": "该人员不属于所选乡镇。"})
    finding = SupervisionFinding(
        township=township,
        person=person,
        problem=(problem or "").strip(),
        deadline=deadline,
        found_on=found_on,
        requires_guardian_replacement=requires_guardian_replacement,
        found_by=actor,
    )
    finding.full_clean()
    finding.save()
    audit.record(actor=actor, instance=finding, action=AuditAction.CREATE)
    return finding


@transaction.atomic
def finding_resolve(*, actor, finding: SupervisionFinding, result: str) -> SupervisionFinding:
    """Record what was done about a finding; the township reports it, the county office may too."""
    require(permissions.can_edit_persons(actor), "您的角色不能填报整改结果。")
    finding = SupervisionFinding.objects.visible_to(actor).select_for_update().filter(pk=finding.pk).first()
    if finding is None:
        raise ValidationError("督查问题不存在。")
    if not (result or "").strip():
        raise ValidationError({"result": "请填写整改结果。"})
    before = audit.snapshot(finding)
    finding.result = result.strip()
    finding.status = FindingStatus.RESOLVED
    finding.save()
    audit.record(actor=actor, instance=finding, action=AuditAction.UPDATE, before=before)
    return finding
