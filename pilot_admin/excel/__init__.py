"""The Excel pipeline shared by every import and export.

Imports: an app's `excel.py` declares its columns (a ColumnSet, `columns`) and registers an
ImportKind naming its service `<entity>_import(*, actor, rows, dry_run)` (`kinds`). `reading`
refuses what is not a real .xlsx, reads the first sheet in read-only mode, turns each row into
typed values and records every bad cell as a RowError (Excel row number, column header, Chinese
message). The service adds the cross-row and database checks and, through `finish_import`,
writes in one transaction only when no row has an error; a kind marked `streaming` gets its
rows in a RowSpool (a temporary file) and writes them in batches inside that one transaction
(`import_in_batches`), so its memory does not grow with the rows. A stored upload with errors
comes back with each bad cell marked. Each page upload is kept as an ImportRun (`runs`); one with more
data rows than IMPORT_BACKGROUND_ROWS is imported by a Celery worker that records its progress.

Exports (`writing`): write-only workbooks streamed from querysets into a temporary file, with
every string a spreadsheet could take for a formula forced to text.

Callers import from this package (`from pilot_admin.excel import …`), not from its modules.
"""

from pilot_admin.excel.checks import clean_in_memory
from pilot_admin.excel.columns import (
    BOOL,
    CHOICE,
    CODE,
    DATE,
    DECIMAL,
    INT,
    NO,
    TEXT,
    YEAR,
    YES,
    CellError,
    Column,
    ColumnSet,
    normalize_header,
)
from pilot_admin.excel.kinds import (
    CONFLICT_MESSAGE,
    IMPORT_AUDIT_NOTE,
    ImportKind,
    ImportKindRegistry,
    can_import_any,
    constraint_message,
    finish_import,
    import_in_batches,
    import_kinds,
)
from pilot_admin.excel.reading import (
    UNREADABLE_MESSAGE,
    SheetData,
    UnreadableWorkbook,
    check_upload,
    count_data_rows,
    read_sheet,
)
from pilot_admin.excel.results import ImportResult, ImportRow, RowError, RowSpool
from pilot_admin.excel.runs import (
    ERROR_FILL,
    FILE_GONE_MESSAGE,
    QUEUE_DOWN_MESSAGE,
    SYSTEM_ERROR_MESSAGE,
    TRANSIENT_ERRORS,
    annotated_response,
    import_run_abandon,
    import_run_commit,
    import_run_process,
    import_run_queue,
    import_run_start,
    run_has_cell_errors,
    runs_in_background,
)
from pilot_admin.excel.writing import (
    EXPORT_CHUNK_SIZE,
    HEADER_FILL,
    XLSX_CONTENT_TYPE,
    ExportColumn,
    export_cell,
    export_response,
    safe_text,
    stream,
    template_response,
    values_of,
    xlsx_response,
)

__all__ = [
    "BOOL",
    "CHOICE",
    "CODE",
    "CONFLICT_MESSAGE",
    "DATE",
    "DECIMAL",
    "ERROR_FILL",
    "EXPORT_CHUNK_SIZE",
    "FILE_GONE_MESSAGE",
    "HEADER_FILL",
    "IMPORT_AUDIT_NOTE",
    "INT",
    "NO",
    "QUEUE_DOWN_MESSAGE",
    "SYSTEM_ERROR_MESSAGE",
    "TEXT",
    "TRANSIENT_ERRORS",
    "UNREADABLE_MESSAGE",
    "XLSX_CONTENT_TYPE",
    "YEAR",
    "YES",
    "CellError",
    "Column",
    "ColumnSet",
    "ExportColumn",
    "ImportKind",
    "ImportKindRegistry",
    "ImportResult",
    "ImportRow",
    "RowError",
    "RowSpool",
    "SheetData",
    "UnreadableWorkbook",
    "annotated_response",
    "can_import_any",
    "check_upload",
    "clean_in_memory",
    "constraint_message",
    "count_data_rows",
    "export_cell",
    "export_response",
    "finish_import",
    "import_in_batches",
    "import_kinds",
    "import_run_abandon",
    "import_run_commit",
    "import_run_process",
    "import_run_queue",
    "import_run_start",
    "normalize_header",
    "read_sheet",
    "run_has_cell_errors",
    "runs_in_background",
    "safe_text",
    "stream",
    "template_response",
    "values_of",
    "xlsx_response",
]
