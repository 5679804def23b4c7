"""The person and visit imports through the shared pipeline. Each row is written by the same
service a page uses (person_save, visit_record), so no rule is restated here: the check pass
runs every row through its service inside a transaction that is always rolled back, collecting
the services' errors per row; only when no row failed does the write pass run them for real."""

from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from guardianship import permissions, rules, services
from guardianship.choices import CivilCapacity, ObligorSituation
from guardianship.excel import PERSON_COLUMNS, VISIT_COLUMNS
from guardianship.models import Person, Visit
from pilot_admin.excel import ColumnSet, ImportResult, ImportRow, RowError, finish_import
from villages.models import Village

PERSON_DEFAULTS = {
    "civil_capacity": CivilCapacity.FULL,
    "monthly_income_yuan": Decimal("0"),
    "property_ok": True,
    "obligor_situation": ObligorSituation.NONE,
}


class _Rollback(Exception):
    """Ends the check pass, undoing everything the services wrote in it."""


def _run_each(calls: list[tuple[ImportRow, Callable[[], object]]], columns: ColumnSet, model) -> list[RowError]:
    """Every call in its own savepoint, inside one transaction that is then rolled back: the
    services' own errors become row errors and nothing stays written."""
    errors: list[RowError] = []
    if not calls:
        return errors
    try:
        with transaction.atomic():
            for row, call in calls:
                try:
                    with transaction.atomic():
                        call()
                except ValidationError as error:
                    errors.extend(columns.errors_from(row.number, error, model=model))
                except IntegrityError:
                    errors.append(RowError(row.number, "", "与已有数据冲突（如重复登记），未写入。"))
            raise _Rollback
    except _Rollback:
        pass
    return errors


def _write_all(calls) -> Callable[[], None]:
    def write():
        for _row, call in calls:
            try:
                call()
            except ValidationError as error:
                # The row passed the check pass a moment ago: someone changed the data since.
                raise IntegrityError(str(error)) from error

    return write


def _parsed_id(row: ImportRow, columns: ColumnSet, errors: list[RowError]) -> rules.IdFacts | None:
    if "id_number" not in row.data:
        return None
    try:
        return rules.parse_id_number(row.data["id_number"])
    except ValidationError as error:
        errors.extend(RowError(row.number, columns.header("id_number"), m) for m in error.messages)
        return None


def _villages_by_name(actor, rows) -> dict[tuple[str, str], Village]:
    names = {row.data["village"] for row in rows if "village" in row.data}
    return {
        (village.township.name, village.name): village
        for village in Village.objects.visible_to(actor).filter(name__in=names).select_related("township")
    }


def person_import(*, actor, rows: list[ImportRow], dry_run: bool) -> ImportResult:
    """Register new persons, one per row, each through services.person_save. An ID number
    already registered, or repeated in the file, is an error: changes are made on the person's
    page."""
    if not permissions.can_edit_persons(actor):
        raise PermissionDenied("您的角色不能导入特困人员。")
    columns = PERSON_COLUMNS
    errors: list[RowError] = []
    villages = _villages_by_name(actor, rows)
    facts = {row.number: _parsed_id(row, columns, errors) for row in rows}
    numbers = {f.number for f in facts.values() if f is not None}
    registered = set(Person.objects.filter(id_number__in=numbers).values_list("id_number", flat=True))
    first_seen: dict[str, int] = {}
    calls = []
    for row in rows:
        fact = facts[row.number]
        if fact is not None:
            first = first_seen.setdefault(fact.number, row.number)
            if first != row.number:
                errors.append(RowError(row.number, columns.header("id_number"), f"与第 {first} 行的公民身份号码重复。"))
                continue
            if fact.number in registered:
                errors.append(
                    RowError(row.number, columns.header("id_number"), "该公民身份号码已登记，请在人员页面修改。")
                )
                continue
        village = None
        if "township" in row.data and "village" in row.data:
            village = villages.get((row.data["township"], row.data["village"]))
            if village is None:
                errors.append(
                    RowError(
                        row.number,
                        columns.header("village"),
                        f"“{row.data['township']}”没有名为“{row.data['village']}”的村，或不在您的管辖范围内。",
                    )
                )
        if fact is None or village is None or not row.ok:
            continue
        data = {**PERSON_DEFAULTS, **{k: v for k, v in row.data.items() if k in services.PERSON_FIELDS}}
        data.update(id_number=fact.number, village=village)
        calls.append((row, lambda data=data: services.person_save(actor=actor, **data)))
    errors.extend(_run_each(calls, columns, Person))
    return finish_import(
        columns=columns,
        rows=rows,
        errors=errors,
        created=len(calls),
        updated=0,
        dry_run=dry_run,
        write=_write_all(calls),
    )


def visit_import(*, actor, rows: list[ImportRow], dry_run: bool) -> ImportResult:
    """Paper visit records, one per row, each through services.visit_record; the person is found
    by ID number among those the actor may record visits for."""
    if not permissions.can_record_visits(actor):
        raise PermissionDenied("您的角色不能导入走访记录。")
    columns = VISIT_COLUMNS
    errors: list[RowError] = []
    facts = {row.number: _parsed_id(row, columns, errors) for row in rows}
    numbers = {f.number for f in facts.values() if f is not None}
    persons = {p.id_number: p for p in Person.objects.editable_by(actor).filter(id_number__in=numbers)}
    calls = []
    for row in rows:
        fact = facts[row.number]
        if fact is None or not row.ok:
            continue
        person = persons.get(fact.number)
        if person is None:
            errors.append(
                RowError(
                    row.number,
                    columns.header("id_number"),
                    "未找到该公民身份号码的登记人员，或该人员不在您的管辖范围内。",
                )
            )
            continue
        findings = {name: row.data.get(name, True) for name in services.VISIT_CHECKS}
        data = {
            "visited_on": row.data["visited_on"],
            "visitor_name": row.data["visitor_name"],
            "problems": row.data.get("problems", ""),
            "follow_up": row.data.get("follow_up", ""),
            **findings,
        }
        calls.append((row, lambda person=person, data=data: services.visit_record(actor=actor, person=person, **data)))
    errors.extend(_run_each(calls, columns, Visit))
    return finish_import(
        columns=columns,
        rows=rows,
        errors=errors,
        created=len(calls),
        updated=0,
        dry_run=dry_run,
        write=_write_all(calls),
    )
