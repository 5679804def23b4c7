"""Every URL name × every role: who gets the page, who a 403, who a 404, who the login form.

The route table below must name every route the resolver knows (bar Django admin, checked on its
own): a new route without an entry here fails `test_every_route_is_in_the_matrix`.
"""

import datetime
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from pilot_admin.choices import ImportStatus
from pilot_admin.models import ImportRun
from pilot_admin.scoping import view_declares_scope
from tests.factories import (
    DepartmentFactory,
    PersonFactory,
    PilotAssignmentFactory,
    PilotNominationFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    VillageIndicatorFactory,
)
from tests.helpers.excel import workbook_bytes
from villages.choices import PilotStatus
from villages.models import IndicatorYear

COUNTY_ROLES = {"county_admin", "county_viewer", "department", "inspector", "api_client"}
# The business roles: every page and API route with county data is theirs (by default all of them).
ALL_ROLES = COUNTY_ROLES | {"township_a", "township_b"}
# The three separated administrator duties: each only its own pages, none any county data.
SYSTEM_ADMIN = {"system_admin"}
SECURITY_ADMIN = {"security_admin"}
AUDIT_ADMIN = {"audit_admin"}
DUTY_ROLES = SYSTEM_ADMIN | SECURITY_ADMIN | AUDIT_ADMIN
# Pages every signed-in account has: its home page, its inbox and its own account.
EVERYONE = ALL_ROLES | DUTY_ROLES
ADMIN_ONLY = {"county_admin"}
# Inspectors import their offline score sheets (the "score-sheet" kind); township officials
# their persons and paper visit records.
IMPORTERS = ADMIN_ONLY | {"inspector", "township_a", "township_b"}
# Importers who see only the runs they uploaded themselves (the target run is the county office's).
OWN_RUNS_ONLY = {"inspector", "township_a", "township_b"}
TOWNSHIPS = {"township_a", "township_b"}
GUARDIANSHIP_READERS = {"county_admin", "county_viewer", "api_client", "township_a", "township_b"}
GUARDIANSHIP_EDITORS = {"county_admin", "township_a", "township_b"}
# Village affairs supervision committees: read like the guardianship register, kept by the
# townships and the county office; exceptions to the member conditions are the county's.
SUPERVISION_READERS = {"county_admin", "county_viewer", "api_client", "township_a", "township_b"}
SUPERVISION_EDITORS = {"county_admin", "township_a", "township_b"}
ROLES = ["anonymous", *sorted(ALL_ROLES), *sorted(DUTY_ROLES)]


@dataclass
class Route:
    """`target` names the object the URL points at (None for list pages); the object always
    belongs to township A, so township B's official must get 404 where the role is allowed."""

    allowed: set = field(default_factory=lambda: set(ALL_ROLES))
    target: str | None = None
    method: str = "get"
    kwargs: callable = None
    query: str = ""
    data: callable = None
    ok: int = 200
    api: bool = False
    # The target is the signed-in user's own row (an inbox message): every role opens its own,
    # and anyone else's is a 404.
    own: bool = False
    # Roles allowed the route to whom this target is nonetheless out of scope (404), like
    # township B: an inspector sees only the import runs it uploaded itself.
    out_of_scope: set = field(default_factory=set)


def _workday_override():
    from pilot_admin.models import WorkdayOverride

    return WorkdayOverride.objects.get_or_create(
        date=datetime.date(2027, 2, 8), defaults={"is_workday": False, "name": "春节"}
    )[0]


def _township_government(township):
    from pilot_admin.models import GroupRobot
    from villages.choices import DepartmentKind
    from villages.models import Department

    unit = Department.objects.filter(township=township).first() or DepartmentFactory(
        county=township.county, name=f"{township.name}人民政府", kind=DepartmentKind.TOWNSHIP, township=township
    )
    GroupRobot.objects.create(department=unit, kind="wecom_robot", token="matrix-robot-key-0001")
    return unit


def _pk(name):
    return lambda objs: {"pk": objs[name].pk}


def _guardian_of(person):
    from guardianship.models import Guardian

    guardian, _ = Guardian.objects.get_or_create(
        person=person,
        is_active=True,
        defaults={"kind": "village_committee", "name": "村委会", "category": "III", "start_date": "2024-01-01"},
    )
    return guardian


ROUTES = {
    "home": Route(allowed=EVERYONE),
    "villages:township_list": Route(),
    "villages:village_list": Route(),
    "villages:village_create": Route(allowed=ADMIN_ONLY),
    "villages:village_detail": Route(target="village", kwargs=_pk("village")),
    "villages:village_update": Route(allowed=ADMIN_ONLY, target="village", kwargs=_pk("village")),
    "villages:indicator_submit": Route(
        allowed={"county_admin", "township_a", "township_b"},
        target="village",
        kwargs=lambda objs: {"pk": objs["village"].pk, "year": 2019},
    ),
    "villages:indicator_list": Route(),
    "villages:indicator_detail": Route(target="indicator", kwargs=_pk("indicator")),
    "villages:indicator_review": Route(
        allowed=ADMIN_ONLY,
        target="indicator",
        method="post",
        kwargs=lambda objs: {"pk": objs["indicator"].pk, "action": "confirm"},
        ok=302,
    ),
    "villages:pilot_list": Route(),
    "villages:pilot_select": Route(allowed=ADMIN_ONLY),
    "villages:pilot_detail": Route(target="pilot", kwargs=_pk("pilot")),
    "villages:pilot_action": Route(
        allowed=ADMIN_ONLY,
        target="pilot",
        method="post",
        kwargs=lambda objs: {"pk": objs["pilot"].pk, "action": "approve"},
        ok=302,
    ),
    "villages:pilot_bulk_action": Route(
        allowed=ADMIN_ONLY,
        method="post",
        kwargs=lambda objs: {"action": "approve"},
        ok=302,
        data=lambda objs: {"pilots": [objs["pilot"].pk]},
    ),
    "villages:quota_report": Route(),
    "villages:acceptance_notice": Route(query="?program=badong-13th-fyp&year=2019"),
    "assessments:circular_document": Route(query="?program=badong-13th-fyp&year=2019"),
    "villages:village_standards": Route(target="village", kwargs=_pk("village")),
    "villages:standards_table": Route(query="?program=badong-13th-fyp&year=2019"),
    "villages:standards_export": Route(query="?program=badong-13th-fyp&year=2019"),
    "api_standards_stats": Route(api=True, query="?program=badong-13th-fyp&year=2019"),
    "villages:village_event": Route(
        allowed=ADMIN_ONLY, target="village", kwargs=lambda objs: {"pk": objs["village"].pk, "kind": "rename"}
    ),
    "villages:indicator_year_list": Route(allowed=ADMIN_ONLY),
    "villages:indicator_year_close": Route(
        allowed=ADMIN_ONLY, target="indicator_year", method="post", kwargs=_pk("indicator_year"), ok=302
    ),
    # Nominations (申报): townships nominate, withdraw, resubmit; the county office decides.
    "villages:nomination_list": Route(),
    "villages:nomination_create": Route(allowed=TOWNSHIPS),
    "villages:nomination_queue": Route(allowed=ADMIN_ONLY),
    "villages:nomination_detail": Route(target="nomination", kwargs=_pk("nomination")),
    "villages:nomination_resubmit": Route(allowed=TOWNSHIPS, target="nomination", kwargs=_pk("nomination")),
    "villages:nomination_withdraw": Route(
        allowed=TOWNSHIPS, target="nomination", method="post", kwargs=_pk("nomination"), ok=302
    ),
    "villages:nomination_decide": Route(
        allowed=ADMIN_ONLY,
        target="nomination",
        method="post",
        kwargs=lambda objs: {"pk": objs["nomination"].pk, "action": "approve"},
        ok=302,
    ),
    "villages:nomination_bulk_approve": Route(
        allowed=ADMIN_ONLY, method="post", ok=302, data=lambda objs: {"nominations": [objs["nomination"].pk]}
    ),
    "villages:pilot_provincial": Route(
        allowed=ADMIN_ONLY,
        target="pilot",
        method="post",
        kwargs=_pk("pilot"),
        ok=302,
        data=lambda objs: {"status": "applied"},
    ),
    "api_pilot_nomination-list": Route(api=True),
    "api_pilot_nomination-detail": Route(api=True, target="nomination", kwargs=_pk("nomination")),
    "api_index": Route(api=True),
    "api_schema": Route(api=True),
    "api_township-list": Route(api=True),
    "api_township-detail": Route(api=True, target="village", kwargs=lambda objs: {"pk": objs["village"].township_id}),
    "api_village-list": Route(api=True),
    "api_village-detail": Route(api=True, target="village", kwargs=_pk("village")),
    "api_pilot_assignment-list": Route(api=True),
    "api_pilot_assignment-detail": Route(api=True, target="pilot", kwargs=_pk("pilot")),
    "api_pilot_stats": Route(api=True, query="?program=badong-13th-fyp&year=2019"),
    # Without a file the import answers 400 with its Chinese error; the role check comes first.
    "api_village_import": Route(allowed=ADMIN_ONLY, api=True, method="post", ok=400),
    "api_pilot_assignment_import": Route(allowed=ADMIN_ONLY, api=True, method="post", ok=400),
    "api_task_plan_import": Route(allowed=ADMIN_ONLY, api=True, method="post", ok=400),
    "import_list": Route(allowed=IMPORTERS),
    "import_upload": Route(allowed=ADMIN_ONLY, kwargs=lambda objs: {"kind": "villages"}),
    "import_template": Route(allowed=ADMIN_ONLY, kwargs=lambda objs: {"kind": "villages"}),
    "import_run_detail": Route(
        allowed=IMPORTERS, out_of_scope=OWN_RUNS_ONLY, target="import_run", kwargs=_pk("import_run")
    ),
    "api_import_run": Route(
        allowed=IMPORTERS, out_of_scope=OWN_RUNS_ONLY, api=True, target="import_run", kwargs=_pk("import_run")
    ),
    "import_run_annotated": Route(
        allowed=IMPORTERS, out_of_scope=OWN_RUNS_ONLY, target="import_run", kwargs=_pk("import_run")
    ),
    "import_run_commit": Route(
        allowed=IMPORTERS,
        out_of_scope=OWN_RUNS_ONLY,
        target="import_run",
        method="post",
        kwargs=_pk("import_run"),
        ok=302,
    ),
    "villages:village_export": Route(),
    "villages:pilot_export": Route(),
    "villages:quota_export": Route(),
    "api_docs": Route(api=True),
    # The audit log and its export: the audit administrator only; POST is 405 (tests/pilot_admin/test_audit_log.py).
    "audit_log": Route(allowed=AUDIT_ADMIN),
    "document_template_list": Route(allowed=ADMIN_ONLY),
    **{
        name: Route(allowed=ADMIN_ONLY, kwargs=lambda objs: {"kind": "pilot-acceptance-notice"})
        for name in ("document_template_upload", "document_template_default", "document_template_current")
    },
    "document_template_reset": Route(
        allowed=ADMIN_ONLY, method="post", kwargs=lambda objs: {"kind": "pilot-acceptance-notice"}, ok=302
    ),
    "audit_log_export": Route(allowed=AUDIT_ADMIN),
    "notification_list": Route(allowed=EVERYONE),
    # The county office's page of what reached nobody or failed.
    "notification_delivery": Route(allowed=ADMIN_ONLY),
    "notification_read_all": Route(allowed=EVERYONE, method="post", ok=302),
    # Group robots: the county office sets them; a township or department sees its own unit's.
    "group_robot_list": Route(allowed=ADMIN_ONLY | TOWNSHIPS | {"department"}),
    "group_robot_edit": Route(
        allowed=ADMIN_ONLY | TOWNSHIPS | {"department"},
        target="robot_unit",
        kwargs=_pk("robot_unit"),
        out_of_scope={"department"},
    ),
    "notification_open": Route(allowed=EVERYONE, own=True, target="notification", kwargs=_pk("notification"), ok=302),
    "notification_read": Route(
        allowed=EVERYONE, own=True, target="notification", method="post", kwargs=_pk("notification"), ok=302
    ),
    "tasks:task_list": Route(),
    "tasks:my_tasks": Route(),
    "tasks:task_detail": Route(target="task", kwargs=_pk("task")),
    "tasks:task_create": Route(allowed=ADMIN_ONLY),
    "tasks:task_update": Route(allowed=ADMIN_ONLY, target="task", kwargs=_pk("task")),
    "tasks:task_close_out": Route(
        allowed=ADMIN_ONLY,
        target="task",
        method="post",
        kwargs=_pk("task"),
        data=lambda objs: {"note": "已完成"},
        ok=302,
    ),
    "tasks:task_reopen": Route(allowed=ADMIN_ONLY, target="task", method="post", kwargs=_pk("task"), ok=302),
    "tasks:period_unlock": Route(allowed=ADMIN_ONLY, target="task", method="post", kwargs=_pk("task"), ok=302),
    "tasks:report_edit": Route(
        allowed={"department", "township_a", "township_b"}, target="period", kwargs=_pk("period")
    ),
    "tasks:report_detail": Route(target="report", kwargs=_pk("report")),
    "tasks:report_review": Route(
        allowed=ADMIN_ONLY,
        target="report",
        method="post",
        kwargs=lambda objs: {"pk": objs["report"].pk, "action": "accept"},
        ok=302,
    ),
    "tasks:attachment_download": Route(target="attachment", kwargs=_pk("attachment")),
    "tasks:review_queue": Route(allowed=ADMIN_ONLY),
    "tasks:report_bulk_accept": Route(
        allowed=ADMIN_ONLY, method="post", data=lambda objs: {"reports": [objs["report"].pk]}, ok=302
    ),
    "tasks:unlock_request_create": Route(
        allowed={"department", "township_a", "township_b"}, target="period", kwargs=_pk("period")
    ),
    "tasks:unlock_request_queue": Route(allowed=ADMIN_ONLY),
    "tasks:unlock_request_decide": Route(
        allowed=ADMIN_ONLY,
        target="unlock_request",
        method="post",
        kwargs=lambda objs: {"pk": objs["unlock_request"].pk, "action": "refuse"},
        data=lambda objs: {"reason": "材料不足"},
        ok=302,
    ),
    "tasks:ledger": Route(),
    "tasks:ledger_export": Route(),
    "tasks:completeness": Route(),
    "tasks:summary_document": Route(query="?program=badong-13th-fyp&year=2019&half=1"),
    "api_department-list": Route(api=True),
    # Units are county reference data every township reads too, so no township-A-only target;
    # tests/tasks/test_api.py checks another county's unit is a 404.
    "api_department-detail": Route(
        api=True, kwargs=lambda objs: {"pk": objs["task"].assignments.get(role="lead").department_id}
    ),
    "api_task-list": Route(api=True),
    "api_task-detail": Route(api=True, target="task", kwargs=_pk("task")),
    "api_progress_report-list": Route(api=True),
    "api_progress_report-detail": Route(api=True, target="report", kwargs=_pk("report")),
    "api_task_stats": Route(api=True, query="?program=badong-13th-fyp&year=2019"),
    # The inspection target is confirmed (township A sees it) and scored by the inspector persona's team.
    "assessments:sheet_export": Route(target="inspection", kwargs=_pk("inspection")),
    "assessments:sheet_print": Route(target="inspection", kwargs=_pk("inspection")),
    "assessments:ranking": Route(query="?program=badong-13th-fyp&year=2019"),
    "assessments:township_summary": Route(query="?program=badong-13th-fyp&year=2019"),
    "assessments:year_over_year": Route(query="?program=badong-13th-fyp&year=2019"),
    "assessments:circular": Route(query="?program=badong-13th-fyp&year=2019"),
    "assessments:circular_export": Route(query="?program=badong-13th-fyp&year=2019"),
    "assessments:circular_issue": Route(allowed=ADMIN_ONLY, query="?program=badong-13th-fyp&year=2019"),
    "api_inspection-list": Route(api=True),
    "api_inspection-detail": Route(api=True, target="inspection", kwargs=_pk("inspection")),
    "api_assessment_stats": Route(api=True, query="?program=badong-13th-fyp&year=2019"),
    # The workflow pages. Templates are county reference data every township reads, so no
    # township-A-only target (tests/assessments/test_views.py checks another county's is a 404).
    "assessments:template_list": Route(),
    "assessments:template_detail": Route(kwargs=lambda objs: {"pk": objs["inspection"].template_id}),
    "assessments:template_item_create": Route(
        allowed=ADMIN_ONLY, kwargs=lambda objs: {"pk": objs["inspection"].template_id}
    ),
    "assessments:template_item_update": Route(
        allowed=ADMIN_ONLY,
        kwargs=lambda objs: {"pk": objs["inspection"].template_id, "item_pk": objs["rectification"].item_id},
    ),
    "assessments:template_action": Route(
        allowed=ADMIN_ONLY,
        method="post",
        kwargs=lambda objs: {"pk": objs["inspection"].template_id, "action": "publish"},
        ok=302,
    ),
    "assessments:inspection_list": Route(),
    "assessments:inspection_schedule": Route(allowed=ADMIN_ONLY),
    "assessments:inspection_detail": Route(target="inspection", kwargs=_pk("inspection")),
    "assessments:inspection_score": Route(
        allowed={"county_admin", "inspector"}, target="inspection", kwargs=_pk("inspection")
    ),
    # The scorer's confirmation page before submitting (GET; the POST performs it).
    "assessments:inspection_submit": Route(
        allowed={"county_admin", "inspector"}, target="inspection", kwargs=_pk("inspection")
    ),
    "assessments:evidence_upload": Route(
        allowed={"county_admin", "inspector"}, target="inspection", method="post", kwargs=_pk("inspection"), ok=302
    ),
    "assessments:evidence_download": Route(target="inspection", kwargs=_pk("evidence")),
    "assessments:inspection_action": Route(
        allowed=ADMIN_ONLY,
        target="inspection",
        method="post",
        kwargs=lambda objs: {"pk": objs["inspection"].pk, "action": "confirm"},
        ok=302,
    ),
    "assessments:rectification_list": Route(),
    "assessments:rectification_detail": Route(target="rectification", kwargs=_pk("rectification")),
    "assessments:rectification_submit": Route(
        allowed={"department", "township_a", "township_b"},
        target="rectification",
        method="post",
        kwargs=_pk("rectification"),
        data=lambda objs: {"evidence_text": "已整改。"},
        ok=302,
    ),
    "assessments:rectification_verify": Route(
        allowed=ADMIN_ONLY, target="rectification", method="post", kwargs=_pk("rectification"), ok=302
    ),
    # Acceptance (验收) of a pilot: the county office's page and its buttons.
    "assessments:pilot_accept": Route(allowed=ADMIN_ONLY, target="pilot", kwargs=_pk("pilot")),
    "assessments:pilot_acceptance_action": Route(
        allowed=ADMIN_ONLY,
        target="pilot",
        method="post",
        kwargs=lambda objs: {"pk": objs["pilot"].pk, "action": "reopen"},
        data=lambda objs: {"reason": "核查"},
        ok=302,
    ),
    # Guardianship API: the civil-affairs side only (departments and inspectors get 403).
    "api_person-list": Route(allowed=GUARDIANSHIP_READERS, api=True),
    "api_person-detail": Route(allowed=GUARDIANSHIP_READERS, api=True, target="person", kwargs=_pk("person")),
    "api_guardianship_stats": Route(allowed=GUARDIANSHIP_READERS, api=True, query="?month=2024-02"),
    # Guardianship pages: the register, ledger and overview for readers; forms for the editors.
    "guardianship:register": Route(allowed=GUARDIANSHIP_READERS),
    "guardianship:screening": Route(allowed=GUARDIANSHIP_READERS),
    "guardianship:visit_photo": Route(allowed=GUARDIANSHIP_READERS, target="photo", kwargs=_pk("photo")),
    "guardianship:finding_list": Route(allowed=GUARDIANSHIP_READERS),
    "guardianship:finding_create": Route(allowed=ADMIN_ONLY),
    "guardianship:finding_resolve": Route(
        allowed=GUARDIANSHIP_EDITORS,
        target="finding",
        method="post",
        kwargs=_pk("finding"),
        ok=302,
        data=lambda objs: {"result": "已重新走访并补全台账。"},
    ),
    "guardianship:register_export": Route(allowed=GUARDIANSHIP_READERS),
    "guardianship:overview": Route(allowed=GUARDIANSHIP_READERS),
    "guardianship:visit_matrix": Route(allowed=GUARDIANSHIP_READERS),
    "guardianship:visit_matrix_export": Route(allowed=GUARDIANSHIP_READERS),
    "guardianship:person_create": Route(allowed=GUARDIANSHIP_EDITORS),
    "guardianship:person_detail": Route(allowed=GUARDIANSHIP_READERS, target="person", kwargs=_pk("person")),
    **{
        f"guardianship:{name}": Route(allowed=GUARDIANSHIP_EDITORS, target="person", kwargs=_pk("person"))
        for name in (
            "person_update",
            "person_exit",
            "self_care_assess",
            "guardian_assign",
            "guardian_replace",
            "visit_create",
        )
    },
    "guardianship:agreement_document": Route(
        allowed=GUARDIANSHIP_EDITORS,
        target="person",
        kwargs=lambda objs: {"pk": objs["person"].pk, "guardian_pk": _guardian_of(objs["person"]).pk},
    ),
    "guardianship:agreement_sign": Route(
        allowed=GUARDIANSHIP_EDITORS,
        target="person",
        kwargs=lambda objs: {"pk": objs["person"].pk, "guardian_pk": _guardian_of(objs["person"]).pk},
    ),
    # Supervision committees: lists and pages for readers, forms for the editors.
    "supervision:committee_list": Route(allowed=SUPERVISION_READERS),
    "supervision:cadre_list": Route(allowed=SUPERVISION_READERS),
    "supervision:committee_create": Route(allowed=SUPERVISION_EDITORS),
    "supervision:cadre_create": Route(allowed=SUPERVISION_EDITORS),
    "supervision:committee_detail": Route(
        allowed=SUPERVISION_READERS, target="sv_committee", kwargs=_pk("sv_committee")
    ),
    "supervision:election_detail": Route(allowed=SUPERVISION_READERS, target="sv_election", kwargs=_pk("sv_election")),
    "supervision:election_document": Route(
        allowed=SUPERVISION_READERS, target="sv_document", kwargs=_pk("sv_document")
    ),
    "supervision:meeting_create": Route(allowed=SUPERVISION_EDITORS, target="sv_committee", kwargs=_pk("sv_committee")),
    "supervision:review_create": Route(allowed=SUPERVISION_EDITORS, target="sv_committee", kwargs=_pk("sv_committee")),
    "supervision:member_remove": Route(allowed=SUPERVISION_EDITORS, target="sv_member", kwargs=_pk("sv_member")),
    "supervision:candidate_create": Route(allowed=SUPERVISION_EDITORS, target="sv_election", kwargs=_pk("sv_election")),
    "supervision:election_step": Route(
        allowed=SUPERVISION_EDITORS,
        target="sv_election",
        kwargs=lambda objs: {"pk": objs["sv_election"].pk, "step": "nominate"},
    ),
    "supervision:exception_create": Route(allowed=ADMIN_ONLY, target="sv_candidate", kwargs=_pk("sv_candidate")),
    "supervision:relative_create": Route(allowed=SUPERVISION_EDITORS, target="sv_cadre", kwargs=_pk("sv_cadre")),
    "supervision:rollout": Route(allowed=SUPERVISION_READERS),
    "supervision:pilot_plan_edit": Route(allowed=ADMIN_ONLY),
    "supervision:matter_list": Route(allowed=SUPERVISION_READERS, target="sv_committee", kwargs=_pk("sv_committee")),
    "supervision:matter_create": Route(allowed=SUPERVISION_EDITORS, target="sv_committee", kwargs=_pk("sv_committee")),
    "supervision:matter_feedback": Route(allowed=SUPERVISION_EDITORS, target="sv_matter", kwargs=_pk("sv_matter")),
    "supervision:annual_list": Route(allowed=SUPERVISION_READERS, target="sv_committee", kwargs=_pk("sv_committee")),
    "supervision:annual_report_create": Route(
        allowed=SUPERVISION_EDITORS, target="sv_committee", kwargs=_pk("sv_committee")
    ),
    "supervision:evaluation_create": Route(
        allowed=SUPERVISION_EDITORS, target="sv_committee", kwargs=_pk("sv_committee")
    ),
}


def _committee_of(village):
    """A supervision committee of the village (township A's, or the other county's)."""
    from supervision.models import Committee

    return Committee.objects.get_or_create(
        village=village, term_start=datetime.date(2021, 5, 1), defaults={"term_end": datetime.date(2026, 4, 30)}
    )[0]


# The supervision committees' API: the same readers as the guardianship register.
SUPERVISION_READERS = GUARDIANSHIP_READERS
ROUTES.update(
    {
        "api_supervision_committee-list": Route(allowed=SUPERVISION_READERS, api=True),
        "api_supervision_committee-detail": Route(
            allowed=SUPERVISION_READERS,
            api=True,
            target="village",
            kwargs=lambda objs: {"pk": _committee_of(objs["village"]).pk},
        ),
        "api_supervision_stats": Route(allowed=SUPERVISION_READERS, api=True, query="?month=2024-03"),
        "supervision_ledgers:roster_export": Route(allowed=SUPERVISION_READERS),
        "supervision_ledgers:work_ledger_export": Route(allowed=SUPERVISION_READERS, query="?year=2024"),
    }
)


def _api_client_of(village):
    """An API client of the village's county (the token page's rows are the county's users)."""
    return UserFactory(role="api_client", county=village.township.county)


def _disabled_account_of(village):
    """An account of the village's county that the nightly task disabled for inactivity."""
    return UserFactory(
        role="county_viewer", county=village.township.county, is_active=False, inactivity_disabled_at=timezone.now()
    )


def _locked_username(objs):
    from axes.models import AccessAttempt
    from django.conf import settings

    user = objs["notification"].user
    AccessAttempt.objects.get_or_create(
        username=user.username,
        ip_address="10.0.0.9",
        user_agent="matrix",
        defaults={"failures_since_start": settings.AXES_FAILURE_LIMIT, "get_data": "", "post_data": ""},
    )
    return {"username": user.username}


def _account_of(village):
    """A township official of the village's township: an account the system administrator manages."""
    return UserFactory(role="township", township=village.township, county=village.township.county)


def _two_factor_account_of(village):
    """An account of the village's county with a confirmed authenticator (the 2FA reset target)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = _account_of(village)
    TOTPDevice.objects.create(user=user, name="手机验证器", confirmed=True)
    return user


# Account pages: everyone's own account; accounts and tokens for the system administrator;
# lockouts, second factors, dormant accounts and the password policy for the security administrator.
ROUTES.update(
    {
        "accounts:account": Route(allowed=EVERYONE),
        "accounts:password_change": Route(allowed=EVERYONE),
        "accounts:password_change_done": Route(allowed=EVERYONE),
        "accounts:two_factor_setup": Route(allowed=EVERYONE),
        "accounts:notice_channels": Route(allowed=EVERYONE),
        "accounts:two_factor_verify": Route(allowed=EVERYONE),
        "accounts:account_list": Route(allowed=SYSTEM_ADMIN),
        "accounts:account_create": Route(allowed=SYSTEM_ADMIN),
        "accounts:account_update": Route(
            allowed=SYSTEM_ADMIN, target="village", kwargs=lambda objs: {"pk": _account_of(objs["village"]).pk}
        ),
        "accounts:account_password_reset": Route(
            allowed=SYSTEM_ADMIN, target="village", kwargs=lambda objs: {"pk": _account_of(objs["village"]).pk}
        ),
        "accounts:token_list": Route(allowed=SYSTEM_ADMIN),
        "accounts:token_action": Route(
            allowed=SYSTEM_ADMIN,
            target="village",
            method="post",
            kwargs=lambda objs: {"pk": _api_client_of(objs["village"]).pk, "action": "revoke"},
            ok=302,
        ),
        # The working-day calendar is the installation's, not a township's: no out-of-scope row.
        "accounts:workday_calendar": Route(allowed=SYSTEM_ADMIN),
        "accounts:workday_override_delete": Route(
            allowed=SYSTEM_ADMIN, method="post", kwargs=lambda objs: {"pk": _workday_override().pk}, ok=302
        ),
        "accounts:lockout_list": Route(allowed=SECURITY_ADMIN),
        "accounts:lockout_reset": Route(allowed=SECURITY_ADMIN, method="post", data=_locked_username, ok=302),
        "accounts:two_factor_accounts": Route(allowed=SECURITY_ADMIN),
        "accounts:two_factor_reset": Route(
            allowed=SECURITY_ADMIN,
            target="village",
            method="post",
            kwargs=lambda objs: {"pk": _two_factor_account_of(objs["village"]).pk},
            ok=302,
        ),
        "accounts:inactive_list": Route(allowed=SECURITY_ADMIN),
        "accounts:inactive_reactivate": Route(
            allowed=SECURITY_ADMIN,
            target="village",
            method="post",
            kwargs=lambda objs: {"pk": _disabled_account_of(objs["village"]).pk},
            ok=302,
        ),
        "accounts:password_policy": Route(allowed=SECURITY_ADMIN),
    }
)

# Routes open to everyone, checked separately below.
# health_ready and metrics: tested in tests/pilot_admin/test_health.py and test_metrics.py.
PUBLIC = {"login", "health", "health_ready", "metrics", "api_token", "favicon"}
# Logout acts on the caller's own session only.
OWN_SESSION = {"logout"}


def _route_names(patterns=None, namespace=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _route_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern


def test_every_route_is_in_the_matrix():
    names = {name for name, _ in _route_names()}
    missing = sorted(names - set(ROUTES) - PUBLIC - OWN_SESSION)
    assert missing == [], f"routes without an access-matrix entry: {missing}"
    stale = sorted(set(ROUTES) - names)
    assert stale == [], f"matrix entries for routes that no longer exist: {stale}"


def test_every_view_declares_its_scope():
    undeclared = sorted(name for name, pattern in _route_names() if not view_declares_scope(pattern.callback))
    assert undeclared == []


def _import_run(actor):
    """A failed village import with its stored workbook, so every import-run page answers."""
    run = ImportRun(
        actor=actor,
        kind="villages",
        filename="村.xlsx",
        status=ImportStatus.FAILED,
        errors=[{"row": 2, "column": "乡镇", "message": "乡镇“无此镇”不存在或不在您的管辖范围内。"}],
    )
    run.upload.save("村.xlsx", ContentFile(workbook_bytes(["乡镇", "村名"], [["无此镇", "某村"]])), save=True)
    return run


def _task_objects(program, township, lead):
    """A task led by `lead` (the department persona's unit at home) and carried out by the
    township, with a period and the township's submitted report with an attachment."""
    from tests.factories import (
        ProgressReportFactory,
        ReportAttachmentFactory,
        ReportingPeriodFactory,
        TaskAssignmentFactory,
        TaskFactory,
    )
    from villages.services import township_government_ensure

    task = TaskFactory(program=program)
    government = township_government_ensure(township=township)
    TaskAssignmentFactory(task=task, department=lead, role="lead")
    TaskAssignmentFactory(task=task, department=government, role="township")
    period = ReportingPeriodFactory(task=task)
    report = ProgressReportFactory(period=period, department=government, status="submitted")
    # A pending 补报 request of the township's unit, for the county office to decide.
    from tasks.models import ReportUnlockRequest

    unlock_request = ReportUnlockRequest.objects.create(
        period=ReportingPeriodFactory(task=task),
        department=government,
        reason="系统故障未能按期报送",
        requested_by=UserFactory(role="township", township=township, county=township.county),
    )
    return {
        "task": task,
        "period": period,
        "report": report,
        "attachment": ReportAttachmentFactory(report=report),
        "unlock_request": unlock_request,
    }


def _confirmed_inspection(program, township, admin, inspector):
    """A confirmed 2019 inspection of a pilot village of `township`, scored by `inspector`'s team."""
    from tests.factories import confirmed_inspection, scheduled_inspection

    village = VillageFactory(township=township, name=f"{township.name}检查村")
    inspection = scheduled_inspection(actor=admin, program=program, village=village, inspectors=[inspector])
    return confirmed_inspection(county_admin=admin, inspection=inspection, deductions={"1.1": 15})


def _rectification(inspection, unit):
    """A rectification of `inspection` that `unit` (the department persona's, at home) answers for."""
    from assessments.models import Rectification

    item = inspection.template.items.order_by("order").first()
    return Rectification.objects.create(
        inspection=inspection, item=item, issue="台账不全", responsible_unit=unit, deadline=datetime.date(2020, 2, 1)
    )


def _notification(user):
    from pilot_admin.models import Notification

    source = f"matrix:{Notification.objects.count()}"
    return Notification.objects.create(user=user, source=source, title="【已逾期】矩阵消息", link="/")


def _evidence(inspection, actor):
    from assessments.models import InspectionEvidence

    evidence = InspectionEvidence(inspection=inspection, original_name="现场.pdf", size=8, uploaded_by=actor)
    evidence.file.save("现场.pdf", ContentFile(b"%PDF-1.4"), save=True)
    return evidence


def _photo(village, actor):
    import datetime

    from guardianship.models import Visit, VisitPhoto

    visit = Visit.objects.create(
        person=PersonFactory(village=village),
        visited_on=datetime.date(2024, 3, 2),
        visitor=actor,
        visitor_name="包村干部",
    )
    photo = VisitPhoto(visit=visit, original_name="住房.png")
    photo.file.save("住房.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=True)
    return photo


def _supervision(village, actor):
    """A village's cadre, and its filed committee with members, election, candidate and document."""
    import datetime

    from supervision.models import (
        Candidate,
        Committee,
        CommitteeMember,
        Election,
        ElectionDocument,
        RaisedMatter,
        VillageCadre,
    )

    cadre = VillageCadre.objects.create(
        village=village, name="矩阵村长", post="committee_chair", term_start=datetime.date(2021, 5, 1)
    )
    committee = Committee.objects.create(
        village=village,
        term_start=datetime.date(2021, 5, 1),
        term_end=datetime.date(2026, 4, 30),
        status="active",
        established_on=datetime.date(2021, 5, 25),
    )
    election = Election.objects.create(
        committee=committee, seats=3, scheduled_on=datetime.date(2021, 5, 20), status="filed"
    )
    candidate = Candidate.objects.create(
        election=election, name="矩阵候选人", birth_date=datetime.date(1975, 1, 1), nomination="self"
    )
    member = CommitteeMember.objects.create(
        committee=committee,
        name="矩阵委员",
        birth_date=datetime.date(1975, 1, 1),
        elected_on=datetime.date(2021, 5, 20),
    )
    document = ElectionDocument(election=election, step="filed", original_name="备案.pdf", size=8, uploaded_by=actor)
    document.file.save("备案.pdf", ContentFile(b"%PDF-1.4"), save=True)
    return {
        "sv_cadre": cadre,
        "sv_committee": committee,
        "sv_election": election,
        "sv_candidate": candidate,
        "sv_member": member,
        "sv_document": document,
        "sv_matter": RaisedMatter.objects.create(
            committee=committee, raised_on=datetime.date(2022, 3, 1), duty="disclosure", matter="矩阵事项：公开栏未更新"
        ),
    }


def _finding(village, actor):
    import datetime

    from guardianship.models import SupervisionFinding

    return SupervisionFinding.objects.create(
        township=village.township,
        found_on=datetime.date(2024, 3, 1),
        problem="走访台账记录千篇一律",
        deadline=datetime.date(2024, 4, 1),
        found_by=actor,
    )


@pytest.fixture
def objects(county, program, township_a, county_admin, department, inspector):
    village = VillageFactory(township=township_a, name="矩阵村")
    inspection = _confirmed_inspection(program, township_a, county_admin, inspector)
    return {
        "inspection": inspection,
        "rectification": _rectification(inspection, department),
        "evidence": _evidence(inspection, county_admin),
        **_task_objects(program, township_a, department),
        "import_run": _import_run(county_admin),
        "notification": _notification(county_admin),
        "village": village,
        "indicator": VillageIndicatorFactory(village=village, year=2019),
        "indicator_year": IndicatorYear.objects.get(county=county, year=timezone.localdate().year),
        "pilot": PilotAssignmentFactory(program=program, village=village, year=2019, status=PilotStatus.PROPOSED),
        # Returned: open to the township's resubmit form and withdrawal, and to the county's
        # decision (which refuses it with a message).
        "nomination": PilotNominationFactory(
            program=program, village=VillageFactory(township=township_a), state="returned", return_reason="材料不全"
        ),
        "person": PersonFactory(village=village),
        "robot_unit": _township_government(township_a),
        "finding": _finding(village, county_admin),
        "photo": _photo(village, county_admin),
        **_supervision(village, county_admin),
    }


@pytest.fixture
def foreign_objects(program):
    """The same kinds of rows in another county, invisible to every county-bound user."""
    township = TownshipFactory(county__name="建始县", county__admin_code="422822", name="业州镇", code="422822100")
    village = VillageFactory(township=township, name="外县村")
    from tests.factories import PilotProgramFactory

    other_program = PilotProgramFactory(county=township.county, code="jianshi")
    foreign_admin = UserFactory(role="county_admin", county=township.county)
    inspection = _confirmed_inspection(
        other_program, township, foreign_admin, UserFactory(role="inspector", county=township.county)
    )
    return {
        "inspection": inspection,
        "rectification": _rectification(inspection, DepartmentFactory(county=township.county, name="建始县住建局")),
        "evidence": _evidence(inspection, inspection.confirmed_by),
        **_task_objects(other_program, township, DepartmentFactory(county=township.county, name="建始县民政局")),
        "import_run": _import_run(UserFactory(role="county_admin", county=township.county)),
        "notification": _notification(UserFactory(role="county_admin", county=township.county)),
        "village": village,
        "indicator": VillageIndicatorFactory(village=village, year=2019),
        "indicator_year": IndicatorYear.objects.get(county=township.county, year=timezone.localdate().year),
        "pilot": PilotAssignmentFactory(program=other_program, village=village, year=2019, status=PilotStatus.PROPOSED),
        "nomination": PilotNominationFactory(
            program=other_program, village=VillageFactory(township=township), state="returned", return_reason="材料不全"
        ),
        "person": PersonFactory(village=village),
        "robot_unit": _township_government(township),
        "finding": _finding(village, foreign_admin),
        "photo": _photo(village, foreign_admin),
        **_supervision(village, foreign_admin),
    }


def _request(client, name, route, objs):
    url = reverse(name, kwargs=route.kwargs(objs) if route.kwargs else None) + route.query
    data = route.data(objs) if route.data else {}
    return getattr(client, route.method)(url, data)


def _expected(role, route, in_scope):
    if role == "anonymous":
        return 401 if route.api else 302
    if role not in route.allowed:
        return 403
    if route.target and not in_scope:
        return 404
    return route.ok


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_access(client, personas, duty_personas, objects, foreign_objects, role, name):
    route = ROUTES[name]
    personas = {**personas, **duty_personas}
    if role != "anonymous":
        client.force_login(personas[role])
        if route.own:
            objects = {**objects, route.target: _notification(personas[role])}
    # Township A's rows: township B's official must not see them.
    response = _request(client, name, route, objects)
    expected = _expected(role, route, in_scope=route.own or (role != "township_b" and role not in route.out_of_scope))
    assert response.status_code == expected, (name, role, "own county")
    if expected == 302 and role == "anonymous" and not route.api:
        assert response["Location"].startswith(reverse("login"))
    if route.target:
        # Another county's rows: nobody bound to this county sees them.
        response = _request(client, name, route, foreign_objects)
        assert response.status_code == _expected(role, route, in_scope=False), (name, role, "other county")


def test_public_routes_answer_anonymous(client, db):
    assert client.get(reverse("health")).json() == {"status": "ok"}
    assert "数据库：正常" in client.get(reverse("health_ready")).content.decode()
    assert client.get(reverse("metrics")).status_code == 403  # no token, no allowed address
    assert "登录" in client.get(reverse("login")).content.decode()


def test_admin_is_for_the_county_office_only(client, personas, duty_personas):
    for role, user in {**personas, **duty_personas}.items():
        # Staff or not: the administrator duties have their own pages and never the admin.
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        client.force_login(user)
        response = client.get(reverse("admin:index"))
        expected = 200 if role == "county_admin" else 302
        assert response.status_code == expected, role
    staff_township = UserFactory(role="township", township=personas["township_a"].township, is_staff=True)
    client.force_login(staff_township)
    assert client.get(reverse("admin:villages_village_changelist")).status_code == 302


# API write routes on read resources (PATCH with If-Match, see tests/test_optimistic_locking.py):
# the role check comes first (403), then the object's scope (404), like the page writes.
API_WRITES = {
    "api_village-detail": Route(
        allowed=ADMIN_ONLY,
        api=True,
        target="village",
        method="patch",
        kwargs=_pk("village"),
        data=lambda o: {"name": "改"},
    ),
    "api_person-detail": Route(
        allowed=GUARDIANSHIP_EDITORS,
        api=True,
        target="person",
        method="patch",
        kwargs=_pk("person"),
        data=lambda o: {"notes": "改"},
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(API_WRITES))
def test_api_write_access(client, personas, duty_personas, objects, foreign_objects, role, name):
    import json

    route = API_WRITES[name]
    personas = {**personas, **duty_personas}
    if role != "anonymous":
        client.force_login(personas[role])
    for objs, in_scope in ((objects, role != "township_b"), (foreign_objects, False)):
        target = objs[route.target]
        response = client.patch(
            reverse(name, kwargs=route.kwargs(objs)),
            json.dumps(route.data(objs)),
            content_type="application/json",
            HTTP_IF_MATCH=f'"{target.version}"',
        )
        expected = _expected(role, route, in_scope=in_scope)
        assert response.status_code == expected, (name, role, in_scope)
        target.refresh_from_db()
        assert (target.version == 2) is (expected == 200), (name, role)
