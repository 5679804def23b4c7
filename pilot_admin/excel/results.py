"""The records that pass between the reader, the import services and the pages."""

import pickle
import tempfile
from collections.abc import Iterator
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


class RowSpool:
    """The ImportRows of a sheet kept in a temporary file as they are read, pickled a batch at a
    time, so reading a large sheet holds one batch of rows however long it is (a small sheet's
    file stays in memory). Iterated as often as needed, each pass reading the rows anew: a row
    changed during one pass is not changed in the next (no import service changes its rows)."""

    BATCH = 500
    # Below this the file is never written to disk: an upload of a few hundred rows.
    IN_MEMORY_BYTES = 1 << 20

    def __init__(self):
        self._file = tempfile.SpooledTemporaryFile(max_size=self.IN_MEMORY_BYTES)  # noqa: SIM115 - closed in close()
        self._offsets: list[int] = []
        self._pending: list[ImportRow] = []
        self._count = 0

    def append(self, row: ImportRow) -> None:
        self._pending.append(row)
        self._count += 1
        if len(self._pending) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        self._file.seek(0, 2)
        self._offsets.append(self._file.tell())
        pickle.dump([(row.number, row.data, row.errors) for row in self._pending], self._file, pickle.HIGHEST_PROTOCOL)
        self._pending = []

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[ImportRow]:
        self._flush()
        for offset in self._offsets:
            # Each batch from its own offset: two passes may be under way at once.
            self._file.seek(offset)
            batch = pickle.load(self._file)  # noqa: S301 - our own rows, written above
            for number, data, errors in batch:
                yield ImportRow(number=number, data=data, errors=errors)

    def close(self) -> None:
        self._file.close()
