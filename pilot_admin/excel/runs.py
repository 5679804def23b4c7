"""Stored import runs: each upload kept as an ImportRun, imported in the request when small and
by a Celery worker (run_import_task) with recorded progress when it has more data rows than
IMPORT_BACKGROUND_ROWS; and the user's workbook handed back with its errors marked."""

import logging
import math
import uuid
import warnings
from collections import defaultdict
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.http import FileResponse, Http404
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from pilot_admin import metrics
from pilot_admin.choices import ImportStatus
from pilot_admin.excel.columns import normalize_header
from pilot_admin.excel.kinds import ImportKind, import_kinds
from pilot_admin.excel.reading import UnreadableWorkbook, check_package, count_data_rows
from pilot_admin.excel.results import RowError
from pilot_admin.excel.writing import safe_text, xlsx_response
from pilot_admin.models import ImportRun

logger = logging.getLogger(__name__)

ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
FILE_GONE_MESSAGE = "上传的文件已超过保留期限被删除，请重新上传。"
KIND_GONE_MESSAGE = "系统已不再提供这种导入，未写入任何数据。"
NOT_PERMITTED_MESSAGE = "您的角色无权进行此项导入，未写入任何数据。"
QUEUE_DOWN_MESSAGE = "后台导入服务暂时不可用，未写入任何数据，请稍后重新上传。"
SYSTEM_ERROR_MESSAGE = "导入时系统出错，未写入任何数据。请稍后重新上传；如仍出错，请联系系统管理员。"
# What a worker retries rather than reports: the database or broker briefly unreachable, a deadlock.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError)
# Progress is written every `max(PROGRESS_MIN_STEP, rows_total / PROGRESS_UPDATES)` rows: a
# handful of one-row UPDATEs per import whatever its size.
PROGRESS_MIN_STEP = 100
PROGRESS_UPDATES = 50


def runs_in_background(rows_total: int) -> bool:
    return rows_total > settings.IMPORT_BACKGROUND_ROWS


def import_run_start(*, actor, kind: ImportKind, upload, dry_run: bool) -> ImportRun:
    """Keep the upload (for the marked-up copy and a later real import) and run it once: in
    this request, or queued for a worker when it has more rows than IMPORT_BACKGROUND_ROWS."""
    rows_total = count_data_rows(kind.columns, upload)
    if runs_in_background(rows_total):
        return import_run_queue(actor=actor, kind=kind, upload=upload, dry_run=dry_run, rows_total=rows_total)
    return _execute(_new_run(actor, kind, upload, dry_run, rows_total), kind, actor)


def import_run_queue(*, actor, kind: ImportKind, upload, dry_run: bool, rows_total: int) -> ImportRun:
    """Keep the upload as a queued run; run_import_task is sent once the run is committed."""
    run = _new_run(actor, kind, upload, dry_run, rows_total)
    _queue(run)
    return run


def import_run_commit(*, actor, run: ImportRun, kind: ImportKind) -> ImportRun:
    """Import for real the stored file of a dry run that passed; checked again, since the data
    may have changed in between. A large file goes to a worker again."""
    if run.status != ImportStatus.CHECKED:
        raise ValidationError("只有“试导入通过”的记录可以正式导入。")
    if not run.upload:
        raise ValidationError(FILE_GONE_MESSAGE)
    run.dry_run = False
    run.actor = actor
    if runs_in_background(run.rows_total):
        _queue(run)
        return run
    return _execute(run, kind, actor)


def import_run_process(*, run_id: int) -> ImportRun | None:
    """A worker's import of a queued run, along the same path as in a request, recording
    progress. The run is claimed by a conditional UPDATE: a redelivered message, or a run
    already done, failed or checked, finds nothing to claim and is left alone (None)."""
    claimed = ImportRun.objects.filter(pk=run_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, rows_done=0, updated_at=timezone.now()
    )
    if claimed != 1:
        return None
    run = ImportRun.objects.select_related("actor").get(pk=run_id)
    kind = import_kinds.get(run.kind)
    try:
        if kind is None:
            return _fail(run, KIND_GONE_MESSAGE)
        if not run.upload:
            return _fail(run, FILE_GONE_MESSAGE)
        return _execute(run, kind, run.actor, progress=_progress_recorder(run))
    except TRANSIENT_ERRORS:
        _hand_back(run_id)
        raise
    except PermissionDenied as error:
        # The uploader's role changed while the run waited in the queue.
        return _fail(run, str(error) or NOT_PERMITTED_MESSAGE)
    except Exception:
        logger.exception("import run %s failed", run_id)
        _fail(run, SYSTEM_ERROR_MESSAGE)
        raise


def import_run_abandon(*, run_id: int, message: str = SYSTEM_ERROR_MESSAGE) -> bool:
    """Mark a queued run failed when no worker will take it (the broker refused it, or its
    retries ran out), so its page stops waiting. False when the run was not queued any more."""
    try:
        return bool(
            ImportRun.objects.filter(pk=run_id, status=ImportStatus.QUEUED).update(
                status=ImportStatus.FAILED, errors=[RowError(None, "", message).as_dict()], updated_at=timezone.now()
            )
        )
    except DatabaseError:
        logger.exception("import run %s could not be marked failed and stays queued", run_id)
        return False


def run_has_cell_errors(run: ImportRun) -> bool:
    return bool(run.upload) and any(error.get("row") for error in run.errors)


def _new_run(actor, kind: ImportKind, upload, dry_run: bool, rows_total: int) -> ImportRun:
    run = ImportRun(
        actor=actor,
        kind=kind.key,
        filename=PurePath(upload.name).name[:255],
        dry_run=dry_run,
        rows_total=rows_total,
    )
    run.upload.save(f"{uuid.uuid4().hex}.xlsx", upload, save=False)
    return run


def _queue(run: ImportRun) -> None:
    from pilot_admin.tasks import run_import_task  # the task module imports this one

    run.status, run.rows_done, run.created_count, run.updated_count, run.errors = ImportStatus.QUEUED, 0, 0, 0, []
    with transaction.atomic():
        run.save()
        # Sent only once the run is committed, so the worker always finds it.
        transaction.on_commit(lambda: _send(run_import_task, run.pk))


def _send(task, run_id: int) -> None:
    try:
        task.delay(run_id)
    except Exception:
        # The broker is unreachable (kombu raises its own errors): say so on the run rather
        # than leave it queued for a worker that will never hear of it.
        logger.exception("import run %s could not be sent to the workers", run_id)
        import_run_abandon(run_id=run_id, message=QUEUE_DOWN_MESSAGE)


def _execute(run: ImportRun, kind: ImportKind, actor, progress=None) -> ImportRun:
    """Read the stored upload, then check and write in one transaction together with the run's
    outcome. The reading stays outside that transaction, so progress is seen as it is made."""
    step = max(PROGRESS_MIN_STEP, math.ceil(run.rows_total / PROGRESS_UPDATES))
    with run.upload.open("rb") as file:
        sheet = kind.read(file, progress=progress, progress_every=step)
    try:
        with transaction.atomic():
            result = kind.apply(actor=actor, sheet=sheet, dry_run=run.dry_run)
            if result.errors:
                run.status = ImportStatus.FAILED
            else:
                run.status = ImportStatus.CHECKED if run.dry_run else ImportStatus.DONE
            run.created_count, run.updated_count = result.created, result.updated
            run.errors = [error.as_dict() for error in result.errors]
            run.rows_done = len(sheet.rows)
            run.save()
    finally:
        sheet.close()
    metrics.IMPORTS.labels(run.kind, run.status).inc()
    return run


def _progress_recorder(run: ImportRun):
    def record(done: int) -> None:
        ImportRun.objects.filter(pk=run.pk).update(rows_done=done, updated_at=timezone.now())

    return record


def _fail(run: ImportRun, message: str) -> ImportRun:
    run.status, run.created_count, run.updated_count = ImportStatus.FAILED, 0, 0
    run.errors = [RowError(None, "", message).as_dict()]
    run.save(update_fields=["status", "created_count", "updated_count", "errors", "updated_at"])
    metrics.IMPORTS.labels(run.kind, run.status).inc()
    return run


def _hand_back(run_id: int) -> None:
    """Back to the queue, so the retry of a transient failure can claim the run again."""
    try:
        ImportRun.objects.filter(pk=run_id, status=ImportStatus.RUNNING).update(
            status=ImportStatus.QUEUED, rows_done=0, updated_at=timezone.now()
        )
    except DatabaseError:
        logger.exception("import run %s could not be put back in the queue and stays running", run_id)


# --- the user's workbook with its errors marked --------------------------------------------


def _formulas_as_text(workbook) -> None:
    """Every formula of the upload kept as its text: the copy is served by us, to the uploader
    and to the county office, and a planted formula (DDE, WEBSERVICE) must not run there. The
    import refuses formulas anyway, so the corrected copy loses nothing it could use."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    text = str(getattr(cell.value, "text", None) or cell.value)
                    cell.value = text if text.startswith("=") else f"={text}"
                    cell.data_type = "s"
                    cell.quotePrefix = True


def annotated_response(run: ImportRun, kind: ImportKind | None) -> FileResponse:
    """The user's own workbook with every bad cell filled light red and its messages as a
    comment (problems of a whole row go on its first cell), plus a sheet listing them all."""
    with run.upload.open("rb") as file, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            # The full (not read-only) load below must not meet a bomb the reader would refuse.
            check_package(file)
        except UnreadableWorkbook as error:
            raise Http404(error.message) from error
        workbook = load_workbook(file)
    _formulas_as_text(workbook)
    sheet = workbook.worksheets[0]
    positions = {}
    for cell in sheet[1]:
        if cell.value is None:
            continue
        column = kind.columns.match(cell.value) if kind else None
        positions.setdefault(column.header if column else normalize_header(cell.value), cell.column)
    messages = defaultdict(list)
    for error in run.errors:
        if error.get("row"):
            col = positions.get(error["column"], 1) if error["column"] else 1
            messages[(error["row"], col)].append(error["message"])
    for (row, col), texts in messages.items():
        cell = sheet.cell(row=row, column=col)
        if isinstance(cell, MergedCell):
            merged = next(r for r in sheet.merged_cells.ranges if cell.coordinate in r)
            cell = sheet.cell(row=merged.min_row, column=merged.min_col)
        cell.fill = ERROR_FILL
        cell.comment = Comment("\n".join(texts), "导入检查", width=300, height=40 + 20 * len(texts))
    listing = workbook.create_sheet("导入错误")
    listing.append(["行", "列", "错误说明"])
    for error in run.errors:
        listing.append([error.get("row") or "", error.get("column") or "", safe_text(error["message"])])
    for letter, width in (("A", 8), ("B", 14), ("C", 80)):
        listing.column_dimensions[letter].width = width
    stem = PurePath(run.filename).stem or "导入文件"
    return xlsx_response(workbook, f"{stem}（错误标注）.xlsx")
