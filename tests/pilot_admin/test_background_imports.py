"""Large imports run in a Celery worker: queued by the page and the API, claimed once, the same
all-or-nothing import as in a request, with progress the run page and the API show."""

import io
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from pilot_admin.celery import app as celery_app
from pilot_admin.choices import AuditAction, ImportStatus, Role
from pilot_admin.excel import (
    FILE_GONE_MESSAGE,
    SYSTEM_ERROR_MESSAGE,
    count_data_rows,
    import_kinds,
    import_run_process,
    import_run_queue,
    read_sheet,
)
from pilot_admin.models import AuditEntry, ImportRun
from pilot_admin.tasks import run_import_task
from tests.celery_worker import celery_worker, needs_redis_broker
from tests.factories import TownshipFactory, UserFactory
from tests.helpers.excel import workbook_bytes, workbook_file
from tests.helpers.uploads import run_import, workbook_upload
from villages.excel import VILLAGE_COLUMNS
from villages.models import Village

VILLAGE_HEADERS, VILLAGE_FILE = VILLAGE_COLUMNS.headers, "村名单.xlsx"
REFRESH = '<meta http-equiv="refresh" content="2">'


def _rows(n, start=0, township="水布垭镇"):
    return [(township, f"新{start + i}村", "", i, 2 * i, i, "否", "建档前已有") for i in range(n)]


def _queued(actor, rows, *, dry_run=False) -> ImportRun:
    return import_run_queue(
        actor=actor,
        kind=import_kinds.get("villages"),
        upload=workbook_upload(VILLAGE_HEADERS, rows, name=VILLAGE_FILE),
        dry_run=dry_run,
        rows_total=len(rows),
    )


@pytest.fixture
def small_threshold(settings):
    settings.IMPORT_BACKGROUND_ROWS = 3
    return settings


# --- counting and progress while reading ------------------------------------------------------


def test_count_data_rows_counts_the_rows_read_sheet_parses_and_rewinds():
    extra = (*VILLAGE_COLUMNS.headers, "备注")
    data = [(*row, "说明") for row in _rows(5)]
    blank, spaces = (None,) * len(extra), ("", " ")
    lines = [
        *data[:2],
        blank,
        spaces,
        *data[2:4],
        blank,
        spaces,
        data[4],
        (None,) * len(VILLAGE_COLUMNS) + ("只有备注的行",),
    ]
    file = workbook_file(extra, lines)
    assert count_data_rows(VILLAGE_COLUMNS, file) == 5
    assert file.tell() == 0
    assert len(read_sheet(VILLAGE_COLUMNS, file).rows) == 5


@pytest.mark.parametrize(
    "content",
    [workbook_bytes(("村名", "户数"), _rows(4)), workbook_bytes(VILLAGE_HEADERS), b"PK\x03\x04 not a workbook"],
    ids=["missing-required-column", "header-only", "unreadable"],
)
def test_a_file_refused_before_any_row_counts_zero(content):
    assert count_data_rows(VILLAGE_COLUMNS, io.BytesIO(content)) == 0


def test_counting_stops_one_past_the_row_limit(settings):
    settings.IMPORT_MAX_ROWS = 4
    assert count_data_rows(VILLAGE_COLUMNS, workbook_file(VILLAGE_HEADERS, _rows(9))) == 5


def test_reading_reports_progress_every_n_rows_and_at_the_end():
    seen = []
    sheet = read_sheet(
        VILLAGE_COLUMNS,
        workbook_file(VILLAGE_HEADERS, _rows(250)),
        progress=seen.append,
        progress_every=100,
    )
    assert len(sheet.rows) == 250
    assert seen == [100, 200, 250]


# --- the page queues large files ----------------------------------------------------------------


def test_an_upload_above_the_threshold_is_queued_and_the_page_waits_with_progress(
    client, county_admin, township_a, small_threshold, django_capture_on_commit_callbacks
):
    client.force_login(county_admin)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("import_upload", args=["villages"]),
            {"file": workbook_upload(VILLAGE_HEADERS, _rows(4), name=VILLAGE_FILE)},
        )
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == run.get_absolute_url()
    assert (run.status, run.rows_total, run.rows_done, run.dry_run) == (ImportStatus.QUEUED, 4, 0, False)
    assert len(callbacks) == 1  # the task is sent once the run is committed
    assert not Village.objects.exists()

    page = client.get(run.get_absolute_url()).content.decode()
    assert REFRESH in page
    assert "排队中" in page
    assert '<progress max="4" value="0"' in page
    assert "已处理 0 / 4 行" in page
    assert "发现" not in page and "已导入" not in page


def test_the_upload_page_says_from_how_many_rows_a_file_goes_to_the_background(client, county_admin, settings):
    settings.IMPORT_BACKGROUND_ROWS = 1234
    client.force_login(county_admin)
    page = client.get(reverse("import_upload", args=["villages"])).content.decode()
    assert "数据超过 1234 行的文件转入后台处理" in page


def test_an_upload_at_the_threshold_is_imported_in_the_request(
    client, county_admin, township_a, small_threshold, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr("pilot_admin.excel.runs._send", lambda task, *args: sent.append((task, args)))
    client.force_login(county_admin)
    # The commit also refreshes the statistics cache; what must not happen is a Celery job.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("import_upload", args=["villages"]),
            {"file": workbook_upload(VILLAGE_HEADERS, _rows(3), name=VILLAGE_FILE)},
        )
    run = ImportRun.objects.get()
    assert (run.status, run.created_count, run.rows_total, run.rows_done) == (ImportStatus.DONE, 3, 3, 3)
    assert sent == []
    assert Village.objects.count() == 3
    page = client.get(run.get_absolute_url()).content.decode()
    assert REFRESH not in page and "<progress" not in page
    assert "已导入" in page


def test_the_run_page_while_running_shows_progress_then_the_check_against_the_database(client, county_admin):
    run = ImportRun.objects.create(
        actor=county_admin, kind="villages", filename="村.xlsx", status=ImportStatus.RUNNING, rows_total=800
    )
    client.force_login(county_admin)
    ImportRun.objects.filter(pk=run.pk).update(rows_done=300)
    page = client.get(run.get_absolute_url()).content.decode()
    assert REFRESH in page and "处理中" in page
    assert "已处理 300 / 800 行" in page and "正在与系统中的数据核对" not in page
    ImportRun.objects.filter(pk=run.pk).update(rows_done=800)
    page = client.get(run.get_absolute_url()).content.decode()
    assert "已处理 800 / 800 行，正在与系统中的数据核对并写入…" in page


# --- the task ----------------------------------------------------------------------------------


def test_a_queued_run_imports_once_however_often_the_task_is_delivered(county_admin, township_a, township_b):
    run = _queued(county_admin, _rows(4) + _rows(2, township="东瀼口镇"))

    assert run_import_task(run.pk) == ImportStatus.DONE
    run.refresh_from_db()
    assert (run.status, run.created_count, run.rows_total, run.rows_done) == (ImportStatus.DONE, 6, 6, 6)
    assert Village.objects.count() == 6
    assert AuditEntry.objects.filter(action=AuditAction.CREATE).count() == 6
    finished_at = run.updated_at

    # A redelivered message finds the run already claimed and done: nothing more happens.
    assert run_import_task(run.pk) is None
    run.refresh_from_db()
    assert (run.status, run.updated_at) == (ImportStatus.DONE, finished_at)
    assert Village.objects.count() == 6
    assert AuditEntry.objects.count() == 6


@pytest.mark.parametrize("status", [ImportStatus.RUNNING, ImportStatus.CHECKED, ImportStatus.FAILED])
def test_only_a_queued_run_is_claimed(county_admin, township_a, status):
    run = _queued(county_admin, _rows(4))
    ImportRun.objects.filter(pk=run.pk).update(status=status)
    assert import_run_process(run_id=run.pk) is None
    run.refresh_from_db()
    assert run.status == status
    assert not Village.objects.exists()


def test_a_background_import_with_errors_fails_with_every_row_error_and_writes_nothing(
    county_admin, township_a, village_a
):
    rows = _rows(3)
    rows[1] = ("无此镇", "一村", "", 1, 1, 1, "否", "建档前已有")
    rows.append(("水布垭镇", "二村", "422823104201", -1, 1, 1, "也许"))
    run = _queued(county_admin, rows)
    synchronous = run_import("villages", county_admin, rows)

    assert run_import_task(run.pk) == ImportStatus.FAILED
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    # Every problem of row 5 at once: the taken code and the missing date with the two bad cells.
    assert [(e["row"], e["column"]) for e in run.errors] == [
        (3, "乡镇"),
        (5, "村代码"),
        (5, "户数"),
        (5, "贫困村"),
        (5, "设立日期"),
    ]
    assert run.errors == [error.as_dict() for error in synchronous.errors]
    assert (run.created_count, run.updated_count) == (0, 0)
    assert list(Village.objects.values_list("name", flat=True)) == ["水布垭村"]
    assert not AuditEntry.objects.exists()


def test_progress_is_written_every_n_rows_not_per_row(county_admin, township_a):
    run = _queued(county_admin, _rows(250))
    with CaptureQueriesContext(connection) as queries:
        import_run_process(run_id=run.pk)
    progress = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "pilot_admin_importrun" SET "rows_done"')]
    assert len(progress) == 3  # at 100 and 200 rows, and when all 250 are read
    run.refresh_from_db()
    assert (run.status, run.rows_done) == (ImportStatus.DONE, 250)


def test_a_large_dry_run_is_checked_in_the_background_and_its_commit_queued_again(
    client, county_admin, township_a, small_threshold, django_capture_on_commit_callbacks
):
    client.force_login(county_admin)
    client.post(
        reverse("import_upload", args=["villages"]),
        {"file": workbook_upload(VILLAGE_HEADERS, _rows(5), name=VILLAGE_FILE), "dry_run": "on"},
    )
    run = ImportRun.objects.get()
    assert (run.status, run.dry_run) == (ImportStatus.QUEUED, True)
    run_import_task(run.pk)
    run.refresh_from_db()
    assert (run.status, run.created_count) == (ImportStatus.CHECKED, 5)
    assert not Village.objects.exists()

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("import_run_commit", args=[run.pk]), follow=True)
    run.refresh_from_db()
    assert (run.status, run.dry_run, run.created_count) == (ImportStatus.QUEUED, False, 0)
    assert len(callbacks) == 1
    assert "已转入后台正式导入" in response.content.decode()
    assert not Village.objects.exists()
    run_import_task(run.pk)
    run.refresh_from_db()
    assert (run.status, run.created_count) == (ImportStatus.DONE, 5)
    assert Village.objects.count() == 5


def test_a_run_whose_uploader_lost_the_right_to_import_fails_with_the_reason(county_admin, township_a):
    run = _queued(county_admin, _rows(4))
    county_admin.role = Role.COUNTY_VIEWER
    county_admin.save()
    assert run_import_task(run.pk) == ImportStatus.FAILED
    run.refresh_from_db()
    assert run.errors == [{"row": None, "column": "", "message": "只有县领导小组办公室可以导入村。"}]
    assert not Village.objects.exists()


def test_a_run_whose_file_was_purged_while_queued_fails_with_the_reason(county_admin, township_a):
    run = _queued(county_admin, _rows(4))
    run.upload.delete(save=True)
    assert run_import_task(run.pk) == ImportStatus.FAILED
    run.refresh_from_db()
    assert run.errors == [{"row": None, "column": "", "message": FILE_GONE_MESSAGE}]


# --- transient failures: a real lock timeout on PostgreSQL ---------------------------------------


@pytest.fixture
def villages_table_locked(db):
    """Another connection holds an exclusive lock on the villages table, and this one gives up
    waiting for a lock after 100 ms: PostgreSQL raises a (transient) OperationalError."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for a lock timeout")
    other = connection.copy()
    other.connect()
    other.set_autocommit(False)
    with other.cursor() as cursor:
        cursor.execute("SET lock_timeout = '5s'")
        cursor.execute("LOCK TABLE villages_village IN ACCESS EXCLUSIVE MODE")
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '100ms'")
    yield other
    if other.connection is not None:
        other.rollback()
        other.close()


def test_a_transient_failure_hands_the_run_back_for_the_retry(county_admin, township_a, villages_table_locked):
    from django.db import OperationalError

    run = _queued(county_admin, _rows(4))
    with pytest.raises(OperationalError):
        import_run_process(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.rows_done) == (ImportStatus.QUEUED, 0)

    villages_table_locked.rollback()  # the lock goes away: the retry claims the run and imports it
    villages_table_locked.close()
    assert import_run_process(run_id=run.pk).status == ImportStatus.DONE
    assert Village.objects.count() == 4


def test_the_task_retries_a_transient_failure_then_fails_the_run(county_admin, township_a, villages_table_locked):
    run = _queued(county_admin, _rows(4))
    result = run_import_task.apply(args=[run.pk])  # retries run at once, in this process
    assert result.failed()
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    assert run.errors == [{"row": None, "column": "", "message": SYSTEM_ERROR_MESSAGE}]


# --- the API ------------------------------------------------------------------------------------


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


RUN_FIELDS = {"id", "kind", "status", "rows_total", "rows_done", "created", "updated", "errors"}


def test_api_answers_202_for_a_large_file_and_the_run_route_reports_progress_and_outcome(
    county_admin, township_a, small_threshold, django_capture_on_commit_callbacks
):
    api = _api(county_admin)
    with django_capture_on_commit_callbacks() as callbacks:
        response = api.post(
            reverse("api_village_import"),
            {"file": workbook_upload(VILLAGE_HEADERS, _rows(4), name="村.xlsx")},
            format="multipart",
        )
    run = ImportRun.objects.get()
    assert response.status_code == 202
    assert response.json() == {"run": run.pk, "status": "queued"}
    assert response["Location"] == reverse("api_import_run", args=[run.pk]) == f"/api/v1/imports/runs/{run.pk}/"
    assert len(callbacks) == 1
    assert not Village.objects.exists()

    polled = api.get(response["Location"])
    assert polled.status_code == 200
    assert polled.json() == {
        "id": run.pk,
        "kind": "villages",
        "status": "queued",
        "rows_total": 4,
        "rows_done": 0,
        "created": 0,
        "updated": 0,
        "errors": [],
    }
    run_import_task(run.pk)
    done = api.get(response["Location"]).json()
    assert (done["status"], done["rows_done"], done["created"], done["errors"]) == ("done", 4, 4, [])
    assert Village.objects.count() == 4


def test_api_keeps_a_file_at_the_threshold_synchronous(county_admin, township_a, small_threshold):
    response = _api(county_admin).post(
        reverse("api_village_import"),
        {"file": workbook_upload(VILLAGE_HEADERS, _rows(3), name="村.xlsx")},
        format="multipart",
    )
    assert response.status_code == 200
    assert response.json() == {"created": 3, "updated": 0, "errors": []}
    assert not ImportRun.objects.exists()


def test_api_run_route_reports_the_errors_of_a_failed_background_import(county_admin, township_a, small_threshold):
    rows = [*_rows(3), ("无此镇", "一村", "", 1, 1, 1, "否", "建档前已有")]
    api = _api(county_admin)
    response = api.post(
        reverse("api_village_import"),
        {"file": workbook_upload(VILLAGE_HEADERS, rows, name="村.xlsx")},
        format="multipart",
    )
    assert response.status_code == 202
    run_import_task(response.json()["run"])
    body = api.get(response["Location"]).json()
    assert body["status"] == "failed"
    assert body["errors"] == [{"row": 5, "column": "乡镇", "message": "乡镇“无此镇”不存在或不在您的管辖范围内。"}]
    assert not Village.objects.exists()


def test_api_run_route_is_scoped_like_the_page(
    county_admin, county_viewer, township_a_official, township_a, small_threshold
):
    run = _queued(county_admin, _rows(4))
    url = reverse("api_import_run", args=[run.pk])
    other_admin = UserFactory(role=Role.COUNTY_ADMIN, county=TownshipFactory(county__name="建始县").county)
    colleague = UserFactory(role=Role.COUNTY_ADMIN, county=county_admin.county)

    assert set(_api(county_admin).get(url).json()) == RUN_FIELDS
    assert _api(colleague).get(url).json()["id"] == run.pk
    assert _api(other_admin).get(url).status_code == 404
    # Townships import too (persons, visits), so another user's run is simply not theirs: 404.
    assert _api(township_a_official).get(url).status_code == 404
    assert _api(county_viewer).get(url).status_code == 403
    assert APIClient().get(url).status_code == 401
    assert _api(county_admin).get(reverse("api_import_run", args=[run.pk + 1000])).status_code == 404


def test_schema_documents_the_202_and_the_run_route(client, county_admin):
    client.force_login(county_admin)
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()
    upload = schema["paths"]["/api/v1/imports/villages/"]["post"]["responses"]
    assert set(upload) >= {"200", "202", "400", "403"}
    (path,) = [p for p in schema["paths"] if p.startswith("/api/v1/imports/runs/")]
    operation = schema["paths"][path]["get"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert set(component["properties"]) == RUN_FIELDS
    assert "queued" in component["properties"]["status"]["description"]


# --- a real worker on Redis ------------------------------------------------------------------------


@needs_redis_broker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_imports_a_large_upload_from_the_page(
    client, county_admin, township_a, township_b, small_threshold, monkeypatch
):
    """End to end: the page queues the run, the task goes through Redis to a worker process on
    the same database and media folder, and the run page ends on the outcome."""
    rows = _rows(5) + _rows(3, township="东瀼口镇")
    client.force_login(county_admin)
    with celery_worker() as worker:
        monkeypatch.setitem(celery_app.conf, "task_default_queue", worker.queue)
        response = client.post(
            reverse("import_upload", args=["villages"]),
            {"file": workbook_upload(VILLAGE_HEADERS, rows, name=VILLAGE_FILE)},
        )
        run = ImportRun.objects.get()
        assert response["Location"] == run.get_absolute_url()
        deadline = time.monotonic() + 60
        while run.in_progress:
            assert worker.poll() is None, worker.stdout.read().decode()
            assert time.monotonic() < deadline, "the worker did not finish the import within 60 s"
            time.sleep(0.2)
            run.refresh_from_db()

    assert (run.status, run.created_count, run.rows_total, run.rows_done) == (ImportStatus.DONE, 8, 8, 8)
    assert set(Village.objects.values_list("name", flat=True)) == {name for _, name, *_ in rows}
    assert AuditEntry.objects.filter(actor=county_admin, note="Excel导入").count() == 8
    page = client.get(run.get_absolute_url()).content.decode()
    assert REFRESH not in page
    assert '新增 <strong id="created-count">8</strong> 条' in page
