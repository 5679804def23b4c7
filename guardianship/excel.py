"""Excel column maps of the guardianship app: the person and visit imports, the register export
and the visit ledger (persons × months). The register export's first columns carry the person
import's headers, so the file can be read back by people and by the import alike."""

from operator import itemgetter

from django.utils import timezone

from guardianship import permissions, rules
from guardianship.choices import CivilCapacity, DisabilityType, ObligorSituation, PersonKind, PersonStatus, SupportMode
from pilot_admin.excel import (
    BOOL,
    CHOICE,
    CODE,
    DATE,
    DECIMAL,
    INT,
    Column,
    ColumnSet,
    ExportColumn,
    ImportKind,
    import_kinds,
)

PERSON_COLUMNS = ColumnSet(
    Column("乡镇", "township", required=True, help_text="本县乡镇的全称，如“水布垭镇”", width=14),
    Column("村名", "village", required=True, help_text="该乡镇中已有的村（居）"),
    Column("姓名", "name", required=True, max_length=50, width=10),
    Column(
        "公民身份号码",
        "id_number",
        kind=CODE,
        required=True,
        max_length=18,
        aliases=("身份证号", "身份证号码"),
        help_text="18位；出生日期和性别由号码得出",
        width=22,
    ),
    Column("人员类别", "kind", kind=CHOICE, choices=tuple(PersonKind.choices), required=True, width=10),
    Column("残疾类别", "disability_type", kind=CHOICE, choices=tuple(DisabilityType.choices), width=10),
    Column("残疾等级", "disability_grade", kind=INT, help_text="1–4级；有残疾类别时必填", width=10),
    Column(
        "民事行为能力",
        "civil_capacity",
        kind=CHOICE,
        choices=tuple(CivilCapacity.choices),
        help_text="留空记为完全民事行为能力",
        width=18,
    ),
    Column("供养方式", "support_mode", kind=CHOICE, choices=tuple(SupportMode.choices), required=True, width=10),
    Column("供养机构", "institution", max_length=100, help_text="集中供养时必填", width=18),
    Column("月人均收入", "monthly_income_yuan", kind=DECIMAL, help_text="元；留空记为0", width=12),
    Column("财产符合规定", "property_ok", kind=BOOL, help_text="留空记为“是”", width=12),
    Column(
        "法定义务人情况",
        "obligor_situation",
        kind=CHOICE,
        choices=tuple(ObligorSituation.choices),
        help_text="留空记为“无法定赡养抚养扶养义务人”",
        width=30,
    ),
    Column("住址", "address", max_length=200, width=24),
    Column("备注", "notes", width=24),
)

VISIT_COLUMNS = ColumnSet(
    Column("公民身份号码", "id_number", kind=CODE, required=True, max_length=18, aliases=("身份证号",), width=22),
    Column("走访日期", "visited_on", kind=DATE, required=True, help_text="不能晚于今天", width=12),
    Column("走访人", "visitor_name", required=True, max_length=100, width=12),
    Column("吃饭有保障", "food_ok", kind=BOOL, help_text="留空记为“是”", width=10),
    Column("穿衣被褥有保障", "clothing_ok", kind=BOOL, help_text="留空记为“是”", width=10),
    Column("住房安全", "housing_safe", kind=BOOL, help_text="留空记为“是”", width=10),
    Column("看病就医有保障", "medical_ok", kind=BOOL, help_text="留空记为“是”", width=10),
    Column("个人和环境卫生良好", "hygiene_ok", kind=BOOL, help_text="留空记为“是”", width=10),
    Column("取暖设施到位", "heating_ok", kind=BOOL, help_text="留空记为“是”", width=10),
    Column("精神状态良好", "spirits_ok", kind=BOOL, help_text="留空记为“是”", width=10),
    Column("发现的问题", "problems", help_text="任何一项为“否”时必填", width=30),
    Column("处理和跟进", "follow_up", width=30),
)

import_kinds.register(
    ImportKind(
        key="persons",
        label="特困人员",
        columns=PERSON_COLUMNS,
        service="guardianship.services_import.person_import",
        permission=permissions.can_edit_persons,
        # A county registers thousands of persons at once: checked and written in batches.
        streaming=True,
        description="登记新的特困人员：每行一人，按公民身份号码识别。",
        notes=(
            "已登记的人员（公民身份号码相同）不能重复导入，请在人员页面修改。",
            "乡镇工作人员只能导入本乡镇的人员。任何一行有错误则不写入。",
        ),
    )
)

import_kinds.register(
    ImportKind(
        key="visits",
        label="走访探视记录",
        columns=VISIT_COLUMNS,
        service="guardianship.services_import.visit_import",
        permission=permissions.can_record_visits,
        description="补录纸质走访记录：每行一次走访，按公民身份号码找到在册人员。",
        notes=("走访日期不能晚于今天；任何一项为“否”时须写明发现的问题。任何一行有错误则不写入。",),
    )
)


def _yes_no(value) -> str:
    return "" if value is None else ("是" if value else "否")


def person_export_columns(*, full_id_numbers: bool) -> tuple[ExportColumn, ...]:
    """The register's columns; ID numbers masked unless the caller was allowed, and asked, to
    see them in full. A masked sheet has the age where a full one has the birth date: the
    birth date is what the mask hides (rules.shown_identity)."""
    today = timezone.localdate()

    def identity(person):
        return rules.shown_identity(person, full=full_id_numbers, today=today)

    if full_id_numbers:
        born = ExportColumn("出生日期", lambda p: p.birth_date, width=12, number_format="yyyy-mm-dd")
    else:
        born = ExportColumn("年龄", lambda p: identity(p).age_text, width=10)
    return (
        ExportColumn("乡镇", lambda p: p.village.township.name),
        ExportColumn("村名", lambda p: p.village.name),
        ExportColumn("姓名", lambda p: p.name, width=10),
        ExportColumn("公民身份号码", lambda p: identity(p).id_number, width=22),
        ExportColumn("人员类别", lambda p: p.get_kind_display(), width=10),
        ExportColumn("残疾类别", lambda p: p.get_disability_type_display(), width=10),
        ExportColumn("残疾等级", lambda p: p.disability_grade, width=10),
        ExportColumn("民事行为能力", lambda p: p.get_civil_capacity_display(), width=18),
        ExportColumn("供养方式", lambda p: p.get_support_mode_display(), width=10),
        ExportColumn("供养机构", lambda p: p.institution, width=18),
        ExportColumn("月人均收入", lambda p: p.monthly_income_yuan, width=12),
        ExportColumn("性别", lambda p: p.get_gender_display(), width=6),
        born,
        ExportColumn("状态", lambda p: p.get_status_display(), width=8),
        ExportColumn("自理能力", lambda p: p.get_self_care_level_display(), width=10),
        ExportColumn("监护类别", lambda p: p.guardian_category or "无", width=10),
        ExportColumn("监护协议", lambda p: _yes_no(p.has_agreement), width=10),
        ExportColumn("本月走访", lambda p: "已走访" if p.visited_in_month else "未走访", width=10),
        ExportColumn("最近走访", lambda p: p.last_visit, width=12, number_format="yyyy-mm-dd"),
    )


def visit_matrix_columns() -> tuple[ExportColumn, ...]:
    """Rows of the ledger are selectors.visit_ledger_lines: township, village, name, status and
    the first visit date of each month (None where there was none)."""
    statuses = dict(PersonStatus.choices)

    def month(index):
        return lambda line: line[index] or "未走访"

    return (
        ExportColumn("乡镇", itemgetter(0)),
        ExportColumn("村名", itemgetter(1)),
        ExportColumn("姓名", itemgetter(2), width=10),
        ExportColumn("状态", lambda line: statuses.get(line[3], line[3]), width=8),
        *(ExportColumn(f"{n}月", month(3 + n), width=11, number_format="yyyy-mm-dd") for n in range(1, 13)),
    )
