"""A county's database made by the main before the layout change (Department in tasks, demo data
in villages) migrates cleanly with today's code: no row is lost or added but the county's three
administrator accounts (三权分立, with their creation in the audit log), the department content
type moves with its audit entries, and `load_demo` recognises the county as complete.

The old main's tree comes from git (`git archive`), so the database is built by that code's own
migrations and demo loader, exactly as an installation that ran it has it. The database is a
throwaway one of the configured engine: a SQLite file, or a fresh PostgreSQL database next to the
test database."""

import json
import os
import shutil
import subprocess  # nosec B404
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
# The last main before Department moved to villages and the demo moved to demo/.
PREVIOUS_MAIN = "30733006e45c43eb334e0ab83f6888c344f76ab3"

# Every table's row count, printed as JSON by the code of whichever tree runs it.
COUNT_ROWS = """
import json
from django.db import connection
with connection.cursor() as cursor:
    counts = {}
    for table in sorted(connection.introspection.table_names(cursor)):
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        counts[table] = cursor.fetchone()[0]
print(json.dumps(counts))
"""

# Messages already in the inboxes before the outbox: none left for the first outbox run to send.
UNDISPATCHED = """
import json
from pilot_admin.models import Notification
print(json.dumps(Notification.objects.filter(dispatched_at__isnull=True).count()))
"""

# The county office renames a unit with the previous main's code: an audit entry on the
# department content type that must still name its row after the move.
RENAME_A_DEPARTMENT = """
from pilot_admin import audit
from pilot_admin.models import User
from tasks.models import Department
department = Department.objects.exclude(kind="township").order_by("pk").first()
before = audit.snapshot(department)
department.short_name = department.short_name + "（改）"
department.save()
audit.record(actor=User.objects.get(username="county_admin"), instance=department, action="update", before=before)
print("{}")
"""

# Villages marked inactive and counties, after the upgrade (issue 13's data migration).
COUNT_INACTIVE_VILLAGES = """
import json
from villages.models import County, Village
print(json.dumps({
    "inactive": Village.objects.filter(is_active=False, ended_on__isnull=False).count(),
    "counties": County.objects.count(),
}))
"""

# An API client's token issued by the previous main (DRF's own token table).
ISSUE_A_DRF_TOKEN = """
import json
from rest_framework.authtoken.models import Token
from pilot_admin.models import User
token = Token.objects.create(user=User.objects.get(username="api_client"))
print(json.dumps({"key": token.key, "created": token.created.isoformat()}))
"""

CARRIED_OVER_TOKEN = """
import json
from pilot_admin.models import ApiToken
token = ApiToken.objects.get(user__username="api_client")
print(json.dumps({"key": token.key, "lifetime_days": (token.expires_at - token.created_at).days,
                  "created": token.created_at.isoformat()}))
"""

AUDIT_OF_DEPARTMENTS = """
import json
from django.contrib.contenttypes.models import ContentType
from pilot_admin.models import AuditEntry
from villages.models import Department
ct = ContentType.objects.get_for_model(Department)
entries = AuditEntry.objects.filter(content_type=ct)
print(json.dumps({
    "app_label": ct.app_label,
    "entries": entries.count(),
    "resolve": all(Department.objects.filter(pk=e.object_id).exists() for e in entries),
    "stale": ContentType.objects.filter(app_label="tasks", model="department").count(),
    "users_with_unit": Department.objects.filter(users__isnull=False).distinct().count(),
}))
"""


# The register as the code reads it: the previous main from plain columns, today's through the
# encrypted fields. Equal lists mean the migration encrypted every value and lost none.
PERSON_VALUES = """
import json
from guardianship.models import Person
rows = Person.objects.order_by("pk").values_list("pk", "id_number", "disability_type", "disability_grade", "notes")
print(json.dumps([list(r) for r in rows]))
"""

# An audit entry of the previous main that holds an ID number in clear, as its audit did.
PLANT_PLAIN_AUDIT_ENTRY = """
import json
from django.contrib.contenttypes.models import ContentType
from guardianship.models import Person
from pilot_admin.models import AuditEntry
person = Person.objects.order_by("pk").first()
AuditEntry.objects.create(
    action="update", content_type=ContentType.objects.get_for_model(Person), object_id=str(person.pk),
    object_repr=person.name, changes={"id_number": {"label": "公民身份号码", "old": "", "new": person.id_number},
                                      "name": {"label": "姓名", "old": "", "new": person.name}})
print(json.dumps(person.id_number))
"""

RAW_PERSON_COLUMNS = """
import json
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT id_number, id_number_index FROM guardianship_person")
    rows = cursor.fetchall()
    cursor.execute("SELECT changes FROM pilot_admin_auditentry")
    # JSON text on SQLite (its non-ASCII escaped), text or a dict from PostgreSQL: read back as written.
    audit = [json.dumps(json.loads(r[0]) if isinstance(r[0], str) else r[0], ensure_ascii=False)
             for r in cursor.fetchall()]
print(json.dumps({"numbers": [r[0] for r in rows], "indexes": [r[1] for r in rows], "audit": audit}))
"""


# The administrator accounts after the upgrade: role, usable password, must change it, county.
DUTY_ACCOUNTS = """
import json
from pilot_admin.models import User
users = User.objects.filter(role__in=["county_admin", "system_admin", "security_admin", "audit_admin"])
print(json.dumps({
    user.username: [user.role, user.has_usable_password(), user.must_change_password, str(user.county)]
    for user in users.select_related("county")
}))
"""


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, check=False)  # nosec B603 B607


def _previous_main_tree(tmp_path: Path) -> Path:
    if shutil.which("git") is None or _git("cat-file", "-e", f"{PREVIOUS_MAIN}^{{commit}}").returncode:
        pytest.skip(f"no git history with the previous main {PREVIOUS_MAIN[:7]} (a shallow clone): nothing to migrate")
    archive = tmp_path / "previous.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "archive", PREVIOUS_MAIN], cwd=ROOT, stdout=out, check=True)  # nosec B603 B607
    tree = tmp_path / "previous"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


@pytest.fixture
def database_url(tmp_path):
    """A database of the configured engine that nothing else uses; dropped afterwards."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'county.sqlite3'}"
        return
    params = settings.DATABASES["default"]
    name = f"premigrate_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    port = params.get("PORT") or 5432
    auth = params["USER"] + (f":{params['PASSWORD']}" if params.get("PASSWORD") else "")
    try:
        yield f"postgres://{auth}@{params.get('HOST') or '127.0.0.1'}:{port}/{name}"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(tree: Path, database_url: str, *args: str) -> str:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL", "CELERY_BROKER_URL", "DATABASE_URL"}
    }
    env.update(
        DATABASE_URL=database_url,
        DJANGO_DEBUG="1",
        DJANGO_SECRET_KEY="migration-test-only-key",
        PILOT_ADMIN_VAR_DIR=str(tree / "var"),
    )
    result = subprocess.run(  # nosec B603
        [sys.executable, "manage.py", *args], cwd=tree, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{' '.join(args)} in {tree}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _shell_json(tree: Path, database_url: str, code: str):
    # `shell -c` may print a line of its own first; the script's JSON is the last line.
    return json.loads(_manage(tree, database_url, "shell", "-c", code).strip().splitlines()[-1])


# The whole tree is migrated in subprocesses; the test itself only needs a database to create
# the throwaway one from.
@pytest.mark.django_db(transaction=True)
def test_a_database_of_the_previous_main_migrates_with_every_row_kept(tmp_path, database_url):
    previous = _previous_main_tree(tmp_path)
    _manage(previous, database_url, "migrate", "--noinput")
    _manage(previous, database_url, "load_demo")
    _shell_json(previous, database_url, RENAME_A_DEPARTMENT)
    drf_token = _shell_json(previous, database_url, ISSUE_A_DRF_TOKEN)
    planted_number = _shell_json(previous, database_url, PLANT_PLAIN_AUDIT_ENTRY)
    persons_before = _shell_json(previous, database_url, PERSON_VALUES)
    before = _shell_json(previous, database_url, COUNT_ROWS)
    assert before["tasks_department"] > 0 and before["tasks_progressreport"] > 0
    before_users = before["pilot_admin_user"]

    _manage(ROOT, database_url, "migrate", "--noinput")
    after = _shell_json(ROOT, database_url, COUNT_ROWS)
    # Only the migration log grows, by the migrations since (four of them state-only, moving
    # Department), and every one of them is applied; DRF's tokens move to our own table,
    # leaving theirs empty.
    assert after.pop("django_migrations") > before.pop("django_migrations")
    assert (after.pop("pilot_admin_apitoken"), after["authtoken_token"]) == (before["authtoken_token"], 0)
    after["authtoken_token"] = before["authtoken_token"]
    # Twelve models added (ApiToken; ProgramStandard, VillageEvent, IndicatorYear, PilotNomination
    # and TaskFigure of issue 13; ReportUnlockRequest of issue 14; DocumentTemplate, WorkdayOverride,
    # OutboxMessage and GroupRobot of issue 15; CircularIssue of issue 20): their content types and
    # four permissions each. Issue 17 adds the supervision app's eighteen (sixteen on h-sup,
    # SupervisionReminder and SupervisionPilotPlan), all of whose tables start empty.
    assert after.pop("django_content_type") == before.pop("django_content_type") + 12 + 18
    assert after.pop("auth_permission") == before.pop("auth_permission") + 48 + 4 * 18
    for name in [name for name in after if name.startswith("supervision_")]:
        assert after.pop(name) == 0, name
    # The Badong program gets its plan's eleven construction standards (R-B1 from its own area).
    assert after.pop("villages_programstandard") == 11
    # Issue 13's data migration: each village marked inactive gets its (assumed) 撤并 event, and
    # each county this year open for indicator entry.
    inactive = _shell_json(ROOT, database_url, COUNT_INACTIVE_VILLAGES)
    assert after.pop("villages_villageevent") == inactive["inactive"] > 0
    assert after.pop("villages_indicatoryear") == inactive["counties"] > 0
    # The nominations' and the report figures' tables start empty.
    assert after.pop("villages_pilotnomination") == 0
    assert after.pop("tasks_taskfigure") == 0
    assert after.pop("tasks_reportunlockrequest") == 0
    assert after.pop("pilot_admin_documenttemplate") == 0
    # No circular has a 文号 until the county office sets one.
    assert after.pop("assessments_circularissue") == 0
    # The county's working-day calendar starts without overrides (chinesecalendar covers the years).
    assert after.pop("pilot_admin_workdayoverride") == 0
    # The outbox starts empty: the messages already in the inboxes are marked dispatched, not sent.
    assert after.pop("pilot_admin_outboxmessage") == 0
    # No unit has a group robot until the county office sets one.
    assert after.pop("pilot_admin_grouprobot") == 0
    assert _shell_json(ROOT, database_url, UNDISPATCHED) == 0
    # 三权分立: the county with county-office accounts gets its three administrator accounts,
    # each creation in the audit log; nothing else is added or lost.
    assert after.pop("pilot_admin_user") == before.pop("pilot_admin_user") + 3
    assert after.pop("pilot_admin_auditentry") == before.pop("pilot_admin_auditentry") + 3
    assert after == before
    _manage(ROOT, database_url, "migrate", "--check")
    # The carried-over token is the same secret, expiring API_TOKEN_MAX_AGE_DAYS after its creation.
    assert _shell_json(ROOT, database_url, CARRIED_OVER_TOKEN) == {**drf_token, "lifetime_days": 365}

    # Personal data encrypted in place: the same values read back, none left in clear in the
    # table or in the audit trail (the planted entry now carries a fingerprint), every row indexed.
    assert _shell_json(ROOT, database_url, PERSON_VALUES) == persons_before and len(persons_before) > 0
    raw = _shell_json(ROOT, database_url, RAW_PERSON_COLUMNS)
    plain = {row[1] for row in persons_before}
    assert not plain & set(raw["numbers"]) and all(len(token) > 100 for token in raw["numbers"])
    assert len(set(raw["indexes"])) == len(persons_before) and None not in raw["indexes"]
    assert not any(number in entry for entry in raw["audit"] for number in plain)
    assert sum("（加密内容）" in entry for entry in raw["audit"]) >= 1 and planted_number in plain

    audit = _shell_json(ROOT, database_url, AUDIT_OF_DEPARTMENTS)
    assert audit == {
        "app_label": "villages",
        "entries": audit["entries"],
        "resolve": True,
        "stale": 0,
        "users_with_unit": audit["users_with_unit"],
    }
    assert audit["entries"] > 0 and audit["users_with_unit"] > 0

    duties = _shell_json(ROOT, database_url, DUTY_ACCOUNTS)
    assert duties == {
        "422823-auditadmin": ["audit_admin", False, True, "巴东县"],
        "422823-secadmin": ["security_admin", False, True, "巴东县"],
        "422823-sysadmin": ["system_admin", False, True, "巴东县"],
        "county_admin": ["county_admin", True, False, "巴东县"],
    }

    # Today's demo loader finds the same county complete: it plans the rows the old one made,
    # and takes the upgrade's duty accounts for its own (same names), giving them the demo password.
    # Only what the old loader did not know is added: the nominations and provincial answers.
    output = _manage(ROOT, database_url, "load_demo")
    # … and the 2020 indicators the standards pages show, which the old demo did not report.
    assert "本次新增：乡镇 0，村 0，部门 0，试点项目 0，建设标准 0，试点村 0，指标 " in output
    assert "任务 0，进度报告 0，试点申报和省级重点支持登记 " in output
    assert "422823-auditadmin" in output
    # The three duty accounts, the 六枝特区 county's office login the old demo did not have, and
    # the reporting accounts of the ten townships that had none.
    assert _shell_json(ROOT, database_url, COUNT_ROWS)["pilot_admin_user"] == before_users + 4 + 10
    # The current program the old demo did not have, built around today.
    assert "当前试点项目 1，" in output
