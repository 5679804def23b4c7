"""The person and visit imports through the shared pipeline. Each row is built and checked by
the same validation a page's service uses (services.person_validate, services.visit_validate),
so no rule is restated here; the database look-ups those make per record are made once for the
whole file (the visits) or once per batch of rows (the persons). Only when no row failed are
the rows written, in bulk, in one transaction, audited with one INSERT per batch
(pilot_admin.audit.services.record_bulk)."""

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from guardianship import permissions, rules, services
from guardianship.choices import CivilCapacity, ObligorSituation
from guardianship.excel import PERSON_COLUMNS, VISIT_COLUMNS
from guardianship.models import Person, Visit
from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction
from pilot_admin.excel import (
    IMPORT_AUDIT_NOTE,
    ColumnSet,
    ImportResult,
    ImportRow,
    RowError,
    clean_in_memory,
    finish_import,
    import_in_batches,
)
from pilot_admin.services import require
from villages.models import Village

PERSON_DEFAULTS = {
    "civil_capacity": CivilCapacity.FULL,
    "monthly_income_yuan": Decimal("0"),
    "property_ok": True,
    "obligor_situation": ObligorSituation.NONE,
}
# Rows per INSERT: large enough that the statement count stays small, small enough to keep
# each statement's parameters well within PostgreSQL's limit.
BATCH_SIZE = 1000


def _parsed_id(row: ImportRow, columns: ColumnSet, errors: list[RowError]) -> rules.IdFacts | None:
    if "id_number" not in row.data:
        return None
    try:
        return rules.parse_id_number(row.data["id_number"])
    except ValidationError as error:
        errors.extend(RowError(row.number, columns.header("id_number"), m) for m in error.messages)
        return None


def _other_problems(row: ImportRow, data: dict, fact: rules.IdFacts | None, columns: ColumnSet) -> list[RowError]:
    """The model's own rules (clean_in_memory: fields and CHECK constraints, no query) over the
    cells of a row that could be read, for a row person_validate cannot take (an unknown
    village, an ID number that is bad or taken, a cell that could not be read)."""
    exclude = {"village", *columns.failed_fields(row)}
    person = Person(**{name: value for name, value in data.items() if name not in exclude})
    if fact is None:
        exclude.update({"id_number", "birth_date", "gender"})
    else:
        person.id_number, person.birth_date, person.gender = fact.number, fact.birth_date, fact.gender
    try:
        clean_in_memory(person, exclude=exclude)
    except ValidationError as error:
        return columns.errors_from(row.number, error, model=Person)
    return []


def _villages_by_name(actor, names) -> dict[tuple[str, str], Village]:
    return {
        (village.township.name, village.name): village
        for village in Village.objects.visible_to(actor).filter(name__in=names).select_related("township")
    }


def person_import(*, actor, rows: Iterable[ImportRow], dry_run: bool) -> ImportResult:
    """Register new persons, one per row, each built and checked by services.person_validate
    (the rules of person_save) with its look-ups made once per batch of BATCH_SIZE rows, then
    written with one INSERT per batch and audited like person_save's. An ID number already
    registered, or repeated in the file, is an error: changes are made on the person's page.

    The rows come in a RowSpool and are checked and written a batch at a time inside one
    transaction (import_in_batches): any error rolls every batch back, and only the errors, the
    villages met and the file's ID numbers (for its repeats) are kept, so memory stays flat."""
    require(permissions.can_edit_persons(actor), "您的角色不能导入特困人员。")
    columns = PERSON_COLUMNS
    villages: dict[tuple[str, str], Village] = {}
    names_looked_up: set[str] = set()
    first_seen: dict[str, int] = {}

    def check(batch: list[ImportRow], errors: list[RowError]) -> list[Person]:
        names = {row.data["village"] for row in batch if "village" in row.data} - names_looked_up
        if names:
            villages.update(_villages_by_name(actor, names))
            names_looked_up.update(names)
        facts = {row.number: _parsed_id(row, columns, errors) for row in batch}
        numbers = {f.number for f in facts.values() if f is not None}
        batch_villages = {
            villages[key]
            for row in batch
            if (key := (row.data.get("township"), row.data.get("village"))) in villages
        }  # fmt: skip
        checks = services.person_checks(actor=actor, villages=batch_villages, id_numbers=numbers)
        persons: list[Person] = []
        for row in batch:
            fact = facts[row.number]
            number_ok = fact is not None
            if fact is not None:
                first = first_seen.setdefault(fact.number, row.number)
                if first != row.number:
                    errors.append(
                        RowError(row.number, columns.header("id_number"), f"与第 {first} 行的公民身份号码重复。")
                    )
                    number_ok = False
                elif fact.number in checks.registered:
                    errors.append(
                        RowError(row.number, columns.header("id_number"), "该公民身份号码已登记，请在人员页面修改。")
                    )
                    number_ok = False
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
            data = {**PERSON_DEFAULTS, **{k: v for k, v in row.data.items() if k in services.PERSON_FIELDS}}
            if not number_ok or village is None or not row.ok:
                # The row has failed already; its other cells still meet the model's rules now, so
                # all its problems are reported in this run rather than after the first are fixed.
                errors.extend(_other_problems(row, data, fact, columns))
                continue
            data.update(id_number=fact.number, village=village)
            try:
                persons.append(services.person_validate(actor=actor, checks=checks, **data).person)
            except ValidationError as error:
                errors.extend(columns.errors_from(row.number, error, model=Person))
        return persons

    def write(persons: list[Person]) -> None:
        Person.objects.bulk_create(persons, batch_size=BATCH_SIZE)
        audit.record_bulk(
            actor=actor, items=[(person, AuditAction.CREATE, None) for person in persons], note=IMPORT_AUDIT_NOTE
        )

    return import_in_batches(
        columns=columns, rows=rows, dry_run=dry_run, check=check, write=write, batch_size=BATCH_SIZE
    )


def visit_import(*, actor, rows: list[ImportRow], dry_run: bool) -> ImportResult:
    """Paper visit records, one per row, each built and checked by services.visit_validate (the
    rules of visit_record); the person is found by ID number among those the actor may record
    visits for, all in one query. Written with one INSERT per thousand rows, audited."""
    require(permissions.can_record_visits(actor), "您的角色不能导入走访记录。")
    columns = VISIT_COLUMNS
    errors: list[RowError] = []
    facts = {row.number: _parsed_id(row, columns, errors) for row in rows}
    numbers = {f.number for f in facts.values() if f is not None}
    persons = {p.id_number: p for p in services.visit_persons(actor).filter(id_number__in=numbers)}
    by_pk = {p.pk: p for p in persons.values()}
    today = timezone.localdate()
    visits: list[Visit] = []
    for row in rows:
        fact = facts[row.number]
        person = persons.get(fact.number) if fact is not None else None
        if fact is not None and person is None:
            errors.append(
                RowError(
                    row.number,
                    columns.header("id_number"),
                    "未找到该公民身份号码的登记人员，或该人员不在您的管辖范围内。",
                )
            )
        findings = {name: row.data.get(name, True) for name in services.VISIT_CHECKS}
        if person is None or not row.ok:
            # The row has failed already; its date and findings still meet visit_record's rules
            # now, so all its problems are reported in this run.
            failed = columns.failed_fields(row)
            rule_errors = services.visit_rule_errors(
                visited_on=None if "visited_on" in failed else row.data.get("visited_on"),
                findings={**findings, "problems": row.data.get("problems", "")},
                today=today,
            )
            if "problems" in failed:
                rule_errors.pop("problems", None)
            if rule_errors:
                errors.extend(columns.errors_from(row.number, ValidationError(rule_errors), model=Visit))
            continue
        try:
            visit = services.visit_validate(
                actor=actor,
                person=person,
                persons=by_pk,
                today=today,
                visited_on=row.data["visited_on"],
                visitor_name=row.data["visitor_name"],
                problems=row.data.get("problems", ""),
                follow_up=row.data.get("follow_up", ""),
                **findings,
            )
        except ValidationError as error:
            errors.extend(columns.errors_from(row.number, error, model=Visit))
            continue
        visits.append(visit)

    def write():
        Visit.objects.bulk_create(visits, batch_size=BATCH_SIZE)
        audit.record_bulk(
            actor=actor, items=[(visit, AuditAction.CREATE, None) for visit in visits], note=IMPORT_AUDIT_NOTE
        )

    return finish_import(
        columns=columns,
        rows=rows,
        errors=errors,
        created=len(visits),
        updated=0,
        dry_run=dry_run,
        write=write,
    )
