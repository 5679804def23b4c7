"""What users can import: the kinds apps register from their excel.py, and the end every
import service goes through."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.module_loading import autodiscover_modules, import_string

from pilot_admin.excel.columns import ColumnSet
from pilot_admin.excel.reading import SheetData, read_sheet
from pilot_admin.excel.results import ImportResult, ImportRow, RowError

IMPORT_AUDIT_NOTE = "Excel导入"
CONFLICT_MESSAGE = "写入时与其他人同时进行的修改发生冲突，未写入任何数据，请重新导入。"


def finish_import(
    *,
    columns: ColumnSet,
    rows: Sequence[ImportRow],
    errors: list[RowError],
    created: int,
    updated: int,
    dry_run: bool,
    write: Callable[[], None],
) -> ImportResult:
    """The end of every import service: any error (its own or a cell's) means nothing is
    written; otherwise `write` runs in one transaction unless this is a dry run."""
    errors = columns.sort([error for row in rows for error in row.errors] + errors)
    if errors:
        return ImportResult(errors=errors, dry_run=dry_run)
    if not dry_run:
        try:
            with transaction.atomic():
                write()
        except IntegrityError:
            # Someone changed the same rows between our checks and the write.
            return ImportResult(errors=[RowError(None, "", CONFLICT_MESSAGE)], dry_run=dry_run)
    return ImportResult(created=created, updated=updated, dry_run=dry_run)


class _NothingWritten(Exception):
    """Leaves import_in_batches' transaction, rolling back the batches already written."""


def import_in_batches(
    *,
    columns: ColumnSet,
    rows: Iterable[ImportRow],
    dry_run: bool,
    check: Callable[[list[ImportRow], list[RowError]], list],
    write: Callable[[list], None],
    batch_size: int,
) -> ImportResult:
    """finish_import for an import read in batches, whose rows are never all held at once (a
    streaming kind: its rows come from a RowSpool). `check(batch, errors)` checks `batch_size`
    rows, adds their problems to `errors` and returns the batch's records; while no row has
    failed, `write(records)` writes them at once. Everything runs in one transaction, rolled
    back when any row anywhere failed (or on a dry run): all or nothing, as finish_import, and
    every row's errors reported. What is kept is the errors, not the rows or their records."""
    errors: list[RowError] = []
    created = 0
    iterator = iter(rows)
    try:
        with transaction.atomic():
            while batch := list(islice(iterator, batch_size)):
                for row in batch:
                    errors.extend(row.errors)
                records = check(batch, errors)
                created += len(records)
                if not errors and not dry_run:
                    write(records)
            if errors or dry_run:
                raise _NothingWritten
    except _NothingWritten:
        pass
    except IntegrityError:
        # Someone changed the same rows between our checks and the write.
        return ImportResult(errors=[RowError(None, "", CONFLICT_MESSAGE)], dry_run=dry_run)
    if errors:
        return ImportResult(errors=columns.sort(errors), dry_run=dry_run)
    return ImportResult(created=created, updated=0, dry_run=dry_run)


def constraint_message(model, name: str) -> str:
    """A named constraint's own Chinese message, so a bulk check says what the model says."""
    return next(str(c.violation_error_message) for c in model._meta.constraints if c.name == name)


# --- the registry of import kinds --------------------------------------------------------------


@dataclass(frozen=True)
class ImportKind:
    """One thing users can import; `service` is the dotted path of `<entity>_import`."""

    key: str
    label: str
    columns: ColumnSet
    service: str
    permission: Callable[[Any], bool]
    description: str = ""
    notes: tuple[str, ...] = ()
    # The service reads its rows in batches (import_in_batches): they are handed to it in a
    # RowSpool rather than a list, so an import's memory does not grow with its rows.
    streaming: bool = False

    @property
    def template_filename(self) -> str:
        return f"{self.label}导入模板.xlsx"

    def read(self, file, *, progress: Callable[[int], None] | None = None, progress_every: int = 1000) -> SheetData:
        return read_sheet(self.columns, file, progress=progress, progress_every=progress_every, spool=self.streaming)

    def apply(self, *, actor, sheet: SheetData, dry_run: bool) -> ImportResult:
        """The kind's service on the rows read (it checks across rows and against the database,
        and writes only when nothing is wrong); a sheet refused as a whole never reaches it."""
        if sheet.fatal:
            return ImportResult(errors=sheet.errors, dry_run=dry_run)
        return import_string(self.service)(actor=actor, rows=sheet.rows, dry_run=dry_run)

    def run(self, *, actor, file, dry_run: bool) -> ImportResult:
        sheet = self.read(file)
        try:
            return self.apply(actor=actor, sheet=sheet, dry_run=dry_run)
        finally:
            sheet.close()


class ImportKindRegistry:
    """Apps register their kinds from `<app>/excel.py`, found like admin.py on first use."""

    def __init__(self):
        self._kinds: dict[str, ImportKind] = {}
        self._discovered = False

    def register(self, kind: ImportKind) -> ImportKind:
        self._kinds[kind.key] = kind
        return kind

    def _all(self) -> dict[str, ImportKind]:
        if not self._discovered:
            self._discovered = True
            autodiscover_modules("excel")
        return self._kinds

    def get(self, key: str) -> ImportKind | None:
        return self._all().get(key)

    def all(self) -> list[ImportKind]:
        """Every kind, whoever may run it: what tests enumerate so a new kind is covered."""
        return list(self._all().values())

    def for_user(self, user) -> list[ImportKind]:
        return [kind for kind in self._all().values() if kind.permission(user)]


import_kinds = ImportKindRegistry()


def can_import_any(user) -> bool:
    return user.is_authenticated and bool(import_kinds.for_user(user))
