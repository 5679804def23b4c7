"""Every write route leaves an audit entry: each POST route of the access matrix is driven with
valid data by a role allowed to use it, and an entry must appear naming that user and the
address the request came from. A new POST route in the matrix is driven here automatically; one
that needs data or state of its own gets it in PREPARE."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pilot_admin.choices import AuditAction
from pilot_admin.models import AuditEntry
from tests.factories import VillageFactory
from tests.helpers.uploads import workbook_upload
from tests.test_access_matrix import ROUTES, objects  # noqa: F401 - `objects` is a fixture

ADDRESS = "10.7.7.7"

# Routes whose POST writes no county data, so nothing is audited, each with the reason.
NOT_COUNTY_DATA = {
    "notification_read": "marks a message in the user's own inbox read",
    "notification_read_all": "marks the user's own inbox read",
}


def _submitted_indicator(objs):
    from villages.choices import IndicatorStatus

    objs["indicator"].status = IndicatorStatus.SUBMITTED
    objs["indicator"].save()
    return {}


def _closed_out_task(objs):
    from tasks.services import task_close_out

    task_close_out(actor=objs["_admin"], task=objs["task"], note="完成")
    return {"reason": "仍有村未完成"}


def _unlock(objs):
    return {
        "period": objs["period"].pk,
        "department": objs["report"].department_id,
        "reason": "补报",
        "until": (datetime.date.today() + datetime.timedelta(days=7)).isoformat(),
    }


def _draft_template(objs):
    template = objs["inspection"].template
    taken = set(template.program.score_templates.values_list("year", flat=True))
    return {"year": next(year for year in template.program.years if year not in taken)}


def _api_client_with_token(objs):
    from pilot_admin.models import ApiToken
    from tests.test_access_matrix import _api_client_of

    holder = _api_client_of(objs["village"])
    ApiToken.objects.create(user=holder)
    return {"pk": holder.pk, "action": "revoke"}


def _draft_inspection(objs):
    from tests.factories import scheduled_inspection

    inspection = objs["inspection"]
    # The matrix's inspection is confirmed; the team uploads to a draft sheet, so use a fresh one.
    draft = scheduled_inspection(
        actor=objs["_admin"],
        program=inspection.pilot.program,
        village=VillageFactory(township=inspection.pilot.village.township, name="审计检查村"),
        inspectors=list(inspection.inspectors.all()),
        year=inspection.year,
    )
    objs["inspection"] = draft
    return {"file": SimpleUploadedFile("现场.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n", "application/pdf")}


def _submitted_inspection(objs):
    from assessments import services
    from tests.factories import full_scores, scheduled_inspection

    inspection = objs["inspection"]
    draft = scheduled_inspection(
        actor=objs["_admin"],
        program=inspection.pilot.program,
        village=VillageFactory(township=inspection.pilot.village.township, name="审计检查村"),
        inspectors=list(inspection.inspectors.all()),
        year=inspection.year,
    )
    scorer = draft.inspectors.first()
    services.inspection_scores_save(actor=scorer, inspection=draft, scores=full_scores(draft))
    services.inspection_submit(actor=scorer, inspection=draft)
    objs["inspection"] = draft
    return {"confirm": "yes"}  # the answer of the confirmation page (ConfirmStepMixin)


def _submitted_rectification(objs):
    from assessments.services import rectification_submit
    from pilot_admin.choices import Role
    from tests.factories import UserFactory

    row = objs["rectification"]
    member = UserFactory(role=Role.DEPARTMENT, department=row.responsible_unit, county=row.responsible_unit.county)
    rectification_submit(actor=member, rectification=row, evidence_text="已整改。")
    return {"confirm": "yes"}


def _village_workbook(objs):
    township = objs["village"].township.name
    return {
        "file": workbook_upload(["乡镇", "村名", "设立日期"], [[township, "审计新村", "建档前已有"]], name="导入.xlsx"),
        "dry_run": "false",
    }


def _pilot_workbook(objs):
    from tests.factories import VillageFactory

    village = VillageFactory(township=objs["village"].township, name="审计试点村")
    program = objs["inspection"].pilot.program
    headers = ["乡镇", "村名", "试点项目", "年度", "级别"]
    rows = [[village.township.name, village.name, program.code, 2019, "县级"]]
    return {"file": workbook_upload(headers, rows, name="导入.xlsx"), "dry_run": "false"}


def _task_plan_workbook(objs):
    village = objs["village"]
    program = objs["inspection"].pilot.program
    headers = ["序号", "任务", "牵头单位", "试点项目"]
    rows = [["审计-1", "审计导入的任务。", village.township.name, program.code]]
    return {"file": workbook_upload(headers, rows, name="导入.xlsx"), "dry_run": "false"}


def _checked_run(objs):
    """A dry run that passed, with its stored workbook, for the county office to commit."""
    from django.core.files.base import ContentFile

    from pilot_admin.choices import ImportStatus
    from pilot_admin.models import ImportRun

    upload = workbook_upload(
        ["乡镇", "村名", "设立日期"], [[objs["village"].township.name, "提交新村", "建档前已有"]], name="导入.xlsx"
    )
    run = ImportRun(
        actor=objs["_admin"], kind="villages", filename="村.xlsx", status=ImportStatus.CHECKED, dry_run=True
    )
    run.upload.save("村.xlsx", ContentFile(upload.read()), save=True)
    objs["import_run"] = run
    return {}


def _accepted_pilot(objs):
    from villages.choices import PilotStatus
    from villages.models import PilotAssignment

    PilotAssignment.objects.filter(pk=objs["pilot"].pk).update(
        status=PilotStatus.ACCEPTED,
        accepted_on=datetime.date(2019, 12, 30),
        acceptance_document_no="巴民发〔2019〕45号",
    )
    return {"reason": "省级抽查发现问题"}


def _pending_nomination(objs):
    """The matrix's nomination is returned; the county decides pending ones."""
    from villages.models import PilotNomination

    PilotNomination.objects.filter(pk=objs["nomination"].pk).update(state="pending", return_reason="")
    return {"nominations": [objs["nomination"].pk]}


def _locked_account(objs):
    from tests.test_access_matrix import _locked_username

    return _locked_username(objs)


def _county_template(objs):
    """The county's own acceptance-notice template, for the county office to go back to the default."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pilot_admin.documents import document_kinds
    from pilot_admin.documents.services import document_template_upload

    kind = document_kinds.get("pilot-acceptance-notice")
    upload = SimpleUploadedFile("本县模板.docx", kind.default_path.read_bytes())
    document_template_upload(actor=objs["_admin"], kind=kind, upload=upload)
    return {}


PREPARE = {
    "document_template_reset": _county_template,
    "villages:indicator_review": _submitted_indicator,
    "tasks:task_reopen": _closed_out_task,
    "tasks:period_unlock": _unlock,
    "assessments:template_action": _draft_template,
    "assessments:evidence_upload": _draft_inspection,
    "assessments:inspection_action": _submitted_inspection,
    "assessments:rectification_verify": _submitted_rectification,
    "api_village_import": _village_workbook,
    "api_pilot_assignment_import": _pilot_workbook,
    "api_task_plan_import": _task_plan_workbook,
    "import_run_commit": _checked_run,
    "accounts:lockout_reset": _locked_account,
    "assessments:pilot_acceptance_action": _accepted_pilot,
    "villages:nomination_decide": _pending_nomination,
    "villages:nomination_bulk_approve": _pending_nomination,
}
# Route kwargs that differ from the matrix's (which checks access, not the effect).
KWARGS = {
    "assessments:template_action": lambda objs: {"pk": objs["inspection"].template_id, "action": "copy"},
    # The matrix's API client has no token yet; revoking nothing changes nothing.
    "accounts:token_action": _api_client_with_token,
}

POST_ROUTES = sorted(name for name, route in ROUTES.items() if route.method == "post" and name not in NOT_COUNTY_DATA)


def _actor_role(route) -> str:
    return "county_admin" if "county_admin" in route.allowed else sorted(route.allowed)[0]


def test_every_post_route_is_driven_or_excused():
    posts = {name for name, route in ROUTES.items() if route.method == "post"}
    assert posts == set(POST_ROUTES) | set(NOT_COUNTY_DATA)
    assert len(POST_ROUTES) >= 15


@pytest.mark.parametrize("name", POST_ROUTES)
def test_post_route_records_an_audit_entry_with_actor_and_address(
    client,
    personas,
    duty_personas,
    objects,  # noqa: F811
    name,
):
    route = ROUTES[name]
    user = {**personas, **duty_personas}[_actor_role(route)]
    objs = {**objects, "_admin": personas["county_admin"]}
    # Signed in first: a sign-in clears the account's failed logins (axes), which one route needs.
    client.force_login(user)
    data = PREPARE[name](objs) if name in PREPARE else (route.data(objs) if route.data else {})
    kwargs = KWARGS.get(name, route.kwargs)
    url = reverse(name, kwargs=kwargs(objs) if kwargs else None)
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    response = client.post(url, data, REMOTE_ADDR=ADDRESS)

    assert response.status_code in (200, 201, 302), (name, response.status_code, response.content[:300])
    entries = AuditEntry.objects.filter(id__gt=before, actor=user)
    assert entries.exists(), f"{name}: no audit entry by {user.username}"
    assert set(entries.values_list("ip_address", flat=True)) == {ADDRESS}, name


# --- every export ---------------------------------------------------------------------------------

# Every route that hands out a workbook of county data (the blank import template is not one).
EXPORT_ROUTES = sorted(name for name in ROUTES if name.endswith("_export") or name == "import_run_annotated")


def test_every_export_route_is_listed():
    assert {
        "villages:village_export",
        "villages:pilot_export",
        "villages:quota_export",
        "tasks:ledger_export",
        "assessments:sheet_export",
        "assessments:circular_export",
        "guardianship:register_export",
        "guardianship:visit_matrix_export",
        "supervision_ledgers:roster_export",
        "supervision_ledgers:work_ledger_export",
        "import_run_annotated",
        "audit_log_export",
    } <= set(EXPORT_ROUTES)


@pytest.mark.parametrize("name", EXPORT_ROUTES)
def test_export_records_who_what_filter_rows_and_address(
    client,
    personas,
    duty_personas,
    objects,  # noqa: F811
    name,
):
    route = ROUTES[name]
    user = {**personas, **duty_personas}[_actor_role(route)]
    client.force_login(user)
    url = reverse(name, kwargs=route.kwargs(objects) if route.kwargs else None) + (route.query or "?x=1")
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    response = client.get(url, REMOTE_ADDR=ADDRESS)

    assert response.status_code == 200, name
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    b"".join(response.streaming_content)
    entry = AuditEntry.objects.get(id__gt=before, action=AuditAction.EXPORT)
    assert (entry.actor, entry.ip_address) == (user, ADDRESS)
    assert entry.object_repr.endswith(".xlsx")
    assert entry.changes["filter"]["new"] == url.split("?", 1)[1]
    assert entry.changes["path"]["new"] == url.split("?", 1)[0]
    assert "rows" in entry.changes and "导出" in entry.note


def test_the_blank_import_template_is_not_an_export(client, county_admin):
    client.force_login(county_admin)
    response = client.get(reverse("import_template", kwargs={"kind": "villages"}))
    assert response.status_code == 200
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()


def test_export_rows_are_counted(client, county_admin, village_a, village_b):
    client.force_login(county_admin)
    client.get(reverse("villages:village_export"), {"township": village_a.township_id})
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert entry.changes["rows"]["new"] == 1
    assert entry.content_type.model == "village"
    assert "1 行" in entry.note and f"township={village_a.township_id}" in entry.note
