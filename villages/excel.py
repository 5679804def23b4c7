"""Excel column maps of the villages app: the two imports and the three exports.

The first columns of the village and pilot exports carry the import headers, so an exported
file can be corrected and imported again.
"""

import datetime
from dataclasses import dataclass

from pilot_admin.excel import (
    BOOL,
    CHOICE,
    CODE,
    DATE,
    INT,
    YEAR,
    CellError,
    Column,
    ColumnSet,
    ExportColumn,
    ImportKind,
    import_kinds,
)
from villages import permissions
from villages.choices import PilotLevel

# 设立日期 of a village that existed before the records began (established_on empty).
BEFORE_RECORDS = "建档前已有"


@dataclass(frozen=True)
class EstablishedColumn(Column):
    """设立日期: a date, or 建档前已有 read as None (established_on empty). A blank cell leaves
    the key out of the row, so the service tells "not given" from 建档前已有."""

    def parse(self, value):
        if isinstance(value, str) and "".join(value.split()) == BEFORE_RECORDS:
            return None
        try:
            return super().parse(value)
        except CellError:
            shown = f"{value:%Y-%m-%d}" if isinstance(value, datetime.date) else str(value)[:40]
            raise CellError(f"应为日期（如 2020-01-31）或“{BEFORE_RECORDS}”（填写的是“{shown}”）。") from None

    @property
    def description(self) -> str:
        return (
            f"新增的村必填：填设立日期（如 2020-01-31），建档前就已存在的村填“{BEFORE_RECORDS}”"
            "（首次导入本县已有的村时都填它，否则这些村不计入以往年度）；"
            "更新已有的村时留空或照抄导出的值，导入不修改设立日期。"
        )


VILLAGE_COLUMNS = ColumnSet(
    Column("乡镇", "township", required=True, help_text="本县乡镇的全称，如“水布垭镇”", width=14),
    Column("村名", "name", required=True, max_length=50, help_text="与系统中已有的村同名时更新该村，否则新增"),
    Column(
        "村代码",
        "code",
        kind=CODE,
        max_length=12,
        aliases=("区划代码", "统计用区划代码"),
        help_text="12位统计用区划代码，应以所属乡镇的9位代码开头；留空表示不修改",
        width=16,
    ),
    Column("户数", "households", kind=INT, help_text="留空：新增时记为0，更新时不修改", width=10),
    Column("人口", "population", kind=INT, aliases=("户籍人口",), help_text="户籍人口；留空表示不修改", width=10),
    Column("常住人口", "resident_population", kind=INT, help_text="留空表示不修改", width=10),
    Column("贫困村", "is_poverty_village", kind=BOOL, help_text="留空：新增时记为“否”，更新时不修改", width=10),
    EstablishedColumn("设立日期", "established_on", kind=DATE, width=14),
)

PILOT_COLUMNS = ColumnSet(
    Column("乡镇", "township", required=True, help_text="本县乡镇的全称", width=14),
    Column("村名", "village", required=True, help_text="该乡镇中已有的村"),
    Column("试点项目", "program", required=True, help_text="项目名称或项目代码", width=30),
    Column("年度", "year", kind=YEAR, required=True, help_text="应在试点项目的起止年度之内", width=10),
    Column("级别", "level", kind=CHOICE, choices=tuple(PilotLevel.choices), required=True, width=16),
)

import_kinds.register(
    ImportKind(
        key="villages",
        label="村基本信息",
        columns=VILLAGE_COLUMNS,
        service="villages.services.village_import",
        permission=permissions.can_import_villages,
        description="按“乡镇 + 村名”匹配：已有的村更新所填的项目，没有的村新增。",
        notes=(
            "“村”页面导出的 Excel 可以直接修改后再导入。",
            f"新增的村必须填“设立日期”：日期，或“{BEFORE_RECORDS}”。本县首次导入已有的村时请都填“{BEFORE_RECORDS}”"
            "（或其设立日期），否则它们不计入以往年度的行政村数。已有的村导入不修改设立日期、撤并、村改社区，"
            "这些在村页面“历史沿革”中记录。",
        ),
    )
)

import_kinds.register(
    ImportKind(
        key="pilot-assignments",
        label="试点村",
        columns=PILOT_COLUMNS,
        service="villages.services.pilot_assignment_import",
        permission=permissions.can_import_pilots,
        description="把村选定为某试点项目某年度的试点村。",
        notes=(
            "导入的试点村状态为“拟定”，不会自动审批；审批须在“试点村台账”页面逐个或勾选后进行。",
            "已是该项目试点村（未撤销）且年度、级别相同的行会被跳过，不算错误。",
        ),
    )
)


def _current_pilot(village) -> str:
    pilot = village.current_pilots[0] if village.current_pilots else None
    if pilot is None:
        return ""
    return f"{pilot.year}年 {pilot.get_level_display()}（{pilot.get_status_display()}）"


VILLAGE_EXPORT_COLUMNS = (
    ExportColumn("乡镇", lambda v: v.township.name),
    ExportColumn("村名", lambda v: v.name),
    ExportColumn("村代码", lambda v: v.code, width=16),
    ExportColumn("户数", lambda v: v.households, width=10),
    ExportColumn("人口", lambda v: v.population, width=10),
    ExportColumn("常住人口", lambda v: v.resident_population, width=10),
    ExportColumn("贫困村", lambda v: v.is_poverty_village, width=10),
    # As the import reads it back: a date, or 建档前已有 for an empty one.
    ExportColumn("设立日期", lambda v: v.established_on or BEFORE_RECORDS, width=14, number_format="yyyy-mm-dd"),
    ExportColumn("类型", lambda v: v.get_kind_display(), width=12),
    ExportColumn("分类指导类型", lambda v: v.get_guidance_category_display(), width=24),
    ExportColumn("有效", lambda v: v.is_active, width=8),
    ExportColumn("现状", lambda v: v.get_status_display(), width=8),
    ExportColumn("撤并日期", lambda v: v.ended_on, width=12, number_format="yyyy-mm-dd"),
    ExportColumn("村改社区日期", lambda v: v.community_since, width=12, number_format="yyyy-mm-dd"),
    ExportColumn("试点", _current_pilot, width=30),
)

PILOT_EXPORT_COLUMNS = (
    ExportColumn("乡镇", lambda p: p.village.township.name),
    ExportColumn("村名", lambda p: p.village.name),
    ExportColumn("试点项目", lambda p: p.program.name, width=30),
    ExportColumn("年度", lambda p: p.year, width=10),
    ExportColumn("级别", lambda p: p.get_level_display(), width=16),
    ExportColumn("状态", lambda p: p.get_status_display(), width=10),
    ExportColumn("分类指导类型", lambda p: p.get_guidance_category_display(), width=24),
    ExportColumn("试点示范村", lambda p: p.is_demonstration, width=10),
    ExportColumn("审批人", lambda p: str(p.approved_by) if p.approved_by else ""),
    ExportColumn("审批时间", lambda p: p.approved_at, width=18, number_format="yyyy-mm-dd hh:mm"),
    ExportColumn("验收日期", lambda p: p.accepted_on, width=12, number_format="yyyy-mm-dd"),
    ExportColumn("验收文号", lambda p: p.acceptance_document_no, width=20),
    ExportColumn("验收人", lambda p: str(p.accepted_by) if p.accepted_by else ""),
    ExportColumn("验收理由", lambda p: p.acceptance_reason, width=30),
    ExportColumn("备注", lambda p: p.notes, width=30),
    ExportColumn("省级重点支持", lambda p: p.get_provincial_status_display(), width=12),
    ExportColumn("省里决定日期", lambda p: p.provincial_decided_on, width=12, number_format="yyyy-mm-dd"),
)


def _met(ok: bool, shortfall: int = 0) -> str:
    if ok:
        return "达标"
    return f"差 {shortfall} 个" if shortfall else "未达标"


QUOTA_EXPORT_COLUMNS = (
    ExportColumn("乡镇", lambda t: t.name),
    ExportColumn("行政村数", lambda t: t.villages, width=10),
    ExportColumn("本年新增", lambda t: t.new_pilots, width=10),
    ExportColumn("本年最低要求", lambda t: t.required_new_pilots, width=12),
    ExportColumn("是否达标", lambda t: _met(t.meets_quota, t.shortfall), width=10),
    ExportColumn("累计试点", lambda t: t.cumulative_pilots, width=10),
    ExportColumn("累计占比", lambda t: t.cumulative_share, width=10, number_format="0.0%"),
    ExportColumn("期末累计要求", lambda t: t.required_cumulative_pilots, width=12),
    ExportColumn("累计已验收", lambda t: t.accepted_pilots, width=12),
)


def quota_total_rows(report) -> list[list]:
    """The county line under the township table, then the provincial applications and the
    granted ones, as the page shows them. Under a township's own row the county line is the county's, not a sum."""
    county = report.county
    return [
        [
            "合计" if report.county_wide else "全县",
            county.villages,
            county.new_pilots,
            county.required_yearly,
            _met(county.meets_yearly_minimum),
            county.cumulative_pilots,
            county.cumulative_share,
            county.required_cumulative,
            county.accepted_pilots,
        ],
        # R-A4 counts applications; the granted ones follow on their own line.
        [
            "申请省级重点支持",
            None,
            county.province_applied,
            county.required_province_key,
            _met(county.meets_province_key_minimum),
        ],
        ["其中获批", None, county.province_granted],
    ]
