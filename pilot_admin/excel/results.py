"""The records that pass between the reader, the import services and the pages."""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RowError:
    """One problem: `row` is the Excel row (header = 1; None for the whole file), `column` the
    header text ("" when the problem is the row as a whole)."""

    row: int | None
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportRow:
    """One non-empty data row: typed values of the cells that were filled in and parsed, and
    the errors of the cells that were not."""

    number: int
    data: dict[str, Any]
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "errors": [e.as_dict() for e in self.errors]}
