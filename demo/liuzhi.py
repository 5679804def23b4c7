"""A second, small demo county: 六枝特区 (贵州省六盘水市), whose plan's task-division table
(《六枝特区加强和完善城乡社区治理实施方案》附件2, 36 tasks) is imported through the same
任务分工表 import a county office uses (tasks/services_plan.py), from a workbook built here with
the table's cells verbatim (`data/liuzhi_task_division.json`).

Only what the table needs: the units it names (all_units_named, under the names the table
writes), three townships, one program, one county-office login. Idempotent: what exists is kept,
and importing the same table again changes nothing (the import skips unchanged tasks).
"""

import io
import json
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

from pilot_admin.choices import Role
from pilot_admin.excel import import_kinds
from pilot_admin.models import User
from villages.choices import CountyKind, DepartmentKind, TownshipKind
from villages.models import County, Department, PilotProgram, Township

DATA_DIR = Path(__file__).resolve().parent / "data"
COUNTY = {"name": "六枝特区", "province": "贵州省", "prefecture": "六盘水市", "admin_code": "520203"}
# Real township names; their codes are made up, as in the Badong demo.
TOWNSHIPS = [("郎岱镇", "520203101"), ("岩脚镇", "520203102"), ("落别布依族彝族乡", "520203201")]
PROGRAM = {
    "code": "liuzhi-community-governance",
    "name": "六枝特区加强和完善城乡社区治理",
    "start_year": 2020,
    "end_year": 2020,
    "cumulative_by_year": 2020,
    "source_document": "《六枝特区加强和完善城乡社区治理实施方案》（2019年12月29日）",
}
ADMIN = "liuzhi_admin"
HEADERS = ("序号", "工作任务", "负责单位")
PARTY = ("特区委", "特区纪委")
MASS = ("妇联", "科协", "残联", "红十字会")
# Courts, procuratorate and the vertical agencies: named in the table, outside the government.
OTHER = ("法院", "检察院", "国家税务总局", "中国人民银行", "市生态环境局", "消防救援大队")


@dataclass
class DemoLiuzhi:
    county: County
    program: PilotProgram
    tasks: int
    created_tasks: int
    created_departments: int
    login: tuple[str, str, str, str]


def load_table() -> dict:
    with (DATA_DIR / "liuzhi_task_division.json").open(encoding="utf-8") as fh:
        return json.load(fh)


def _kind(name: str) -> str:
    if name.startswith(PARTY):
        return DepartmentKind.PARTY
    if name.endswith(MASS):
        return DepartmentKind.MASS_ORGANIZATION
    if any(word in name for word in OTHER):
        return DepartmentKind.OTHER
    return DepartmentKind.GOVERNMENT


def _ensure_county() -> County:
    county, _ = County.objects.get_or_create(
        province=COUNTY["province"],
        name=COUNTY["name"],
        defaults={
            "prefecture": COUNTY["prefecture"],
            "admin_code": COUNTY["admin_code"],
            "kind": CountyKind.SPECIAL_DISTRICT,
        },
    )
    for name, code in TOWNSHIPS:
        if not Township.objects.filter(county=county, name=name).exists():
            township = Township(
                county=county,
                name=name,
                code=code,
                kind=TownshipKind.RURAL_TOWNSHIP if name.endswith("乡") else TownshipKind.TOWN,
            )
            township.full_clean()
            township.save()
    return county


def _ensure_departments(county: County, table: dict) -> int:
    existing = set(Department.objects.filter(county=county).values_list("name", flat=True))
    created = 0
    for index, unit in enumerate(table["all_units_named"], start=1):
        name = unit["name_zh"]
        if name in existing:
            continue
        department = Department(
            county=county,
            key=f"liuzhi-{index:02d}",
            name=name,
            # "民政局" for 特区民政局: how the district's own papers shorten it.
            short_name=name.removeprefix("特区") if name.startswith("特区") and len(name) > 4 else "",
            kind=_kind(name),
            in_leading_group=unit["in_joint_meeting"],
        )
        department.full_clean()
        department.save()
        created += 1
    return created


def _ensure_program(county: County) -> PilotProgram:
    program = PilotProgram.objects.filter(code=PROGRAM["code"]).first()
    if program is None:
        program = PilotProgram(county=county, **PROGRAM)
        program.full_clean()
        program.save()
    return program


def _ensure_admin(county: County, password: str) -> User:
    user = User.objects.filter(username=ADMIN).first() or User(username=ADMIN)
    user.role = Role.COUNTY_ADMIN
    user.last_name = "六枝特区城乡社区治理联席会议办公室"
    user.county = county
    user.township = None
    user.department = None
    user.is_staff = False
    user.is_superuser = False
    user.is_active = True
    user.inactivity_disabled_at = None
    user.set_password(password)
    user.must_change_password = False
    user.full_clean()
    user.save()
    return user


def table_workbook(table: dict) -> io.BytesIO:
    """附件2 as the county's file has it: 序号, 工作任务, 负责单位, cells verbatim."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "重点任务分工"
    sheet.append(list(HEADERS))
    for row in table["tasks"]:
        sheet.append([row["number"], row["task_zh"], row["responsible_units_verbatim"]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def load_demo_liuzhi(*, password: str) -> DemoLiuzhi:
    """The Liuzhi county with its units, and its task table imported (a second run adds nothing)."""
    table = load_table()
    county = _ensure_county()
    created_departments = _ensure_departments(county, table)
    program = _ensure_program(county)
    admin = _ensure_admin(county, password)
    result = import_kinds.get("task-plan").run(actor=admin, file=table_workbook(table), dry_run=False)
    if result.errors:
        # The table is fixed data: an error here is a bug in the import, not in the file.
        raise RuntimeError("六枝特区任务分工表导入失败：" + "；".join(e.message for e in result.errors[:5]))
    return DemoLiuzhi(
        county=county,
        program=program,
        tasks=program.tasks.count(),
        created_tasks=result.created,
        created_departments=created_departments,
        login=(ADMIN, password, Role(Role.COUNTY_ADMIN).label, "六枝特区城乡社区治理联席会议办公室"),
    )
