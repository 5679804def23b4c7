"""Excel layout of the tasks app: the task ledger (台账) as a county office prints it for a
meeting — a merged title row, a two-row merged header, units as the county writes them,
borders, frozen header, landscape A4 fitted to the page width with the header repeated.

Written in write-only mode (rows stream from the queryset, memory stays flat): openpyxl's
write-only sheet keeps `merged_cells`, print titles, page setup and row heights and writes them
around the streamed rows, so the layout needs no in-memory workbook.
"""

import datetime
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

# The shared guard: strings a spreadsheet could take for a formula are written as text.
from pilot_admin.excel import (
    CODE,
    HEADER_FILL,
    Column,
    ColumnSet,
    ExportColumn,
    ImportKind,
    export_cell,
    import_kinds,
    stream,
    xlsx_response,
)
from tasks import figures as task_figures
from tasks import permissions
from tasks.choices import ReportStatus
from tasks.services_plan import DEADLINE_HINT, DeadlineColumn

THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
BODY = Alignment(vertical="center", wrap_text=True)
A4 = 9  # openpyxl's paper size code for A4


@dataclass(frozen=True)
class ColumnGroup:
    """A header cell over one or more columns; a group of one column whose header is the
    group's own spans both header rows."""

    header: str
    columns: tuple[ExportColumn, ...]

    @property
    def single(self) -> bool:
        return len(self.columns) == 1 and self.columns[0].header == self.header


def _report_status(row) -> str:
    return ReportStatus(row.report_status).label if row.report_status else "未报送"


def _percent(row):
    return None if row.report_percent is None else row.report_percent / 100


def _days_overdue(row):
    return row.days_overdue.days if row.days_overdue is not None else None


LEDGER_GROUPS = (
    ColumnGroup(
        "任务",
        (
            ExportColumn("编号", lambda r: r.task.code, width=11),
            ExportColumn("任务名称", lambda r: r.task.title, width=36),
            ExportColumn("阶段", lambda r: r.task.get_phase_display(), width=10),
            ExportColumn("完成时限", lambda r: r.task.deadline, width=12, number_format="yyyy-mm-dd"),
            ExportColumn("任务状态", lambda r: r.task.get_status_display(), width=9),
        ),
    ),
    ColumnGroup(
        "责任单位",
        (
            ExportColumn("单位", lambda r: r.department.name, width=18),
            ExportColumn("职责", lambda r: r.get_role_display(), width=10),
        ),
    ),
    ColumnGroup(
        "本期",
        (
            ExportColumn("期次", lambda r: r.period_label or "", width=16),
            ExportColumn("截止日", lambda r: r.period_due, width=12, number_format="yyyy-mm-dd"),
        ),
    ),
    ColumnGroup(
        "最近报告",
        (
            ExportColumn("期次", lambda r: r.report_period_label or "", width=16),
            ExportColumn("状态", _report_status, width=9),
            ExportColumn("进度", _percent, width=8, number_format="0%"),
            ExportColumn("提交时间", lambda r: r.report_submitted_at, width=17, number_format="yyyy-mm-dd hh:mm"),
            ExportColumn("数据", lambda r: task_figures.text(r.task.figures.all(), r.report_figures), width=28),
        ),
    ),
    ColumnGroup("逾期天数", (ExportColumn("逾期天数", _days_overdue, width=9),)),
)

LEDGER_COLUMNS = tuple(column for group in LEDGER_GROUPS for column in group.columns)
TITLE_ROW, GROUP_ROW, HEADER_ROW = 1, 2, 3


def ledger_title(program, today: datetime.date) -> str:
    name = f"{program.name} " if program is not None else ""
    return f"{name}任务台账（截至 {today:%Y-%m-%d}）"


def _styled(sheet, value, *, alignment=BODY, number_format=None, header=False):
    cell = export_cell(sheet, value, number_format, bold=header)
    cell.border = BORDER
    cell.alignment = alignment
    if header:
        cell.fill = HEADER_FILL
    return cell


def _header_rows(sheet):
    """The two header rows and the merges that make them one header."""
    group_row, header_row = [], []
    column = 1
    for group in LEDGER_GROUPS:
        first, last = column, column + len(group.columns) - 1
        for offset, spec in enumerate(group.columns):
            group_row.append(_styled(sheet, group.header if offset == 0 else None, alignment=CENTER, header=True))
            header_row.append(_styled(sheet, None if group.single else spec.header, alignment=CENTER, header=True))
        if group.single:
            sheet.merged_cells.add(f"{get_column_letter(first)}{GROUP_ROW}:{get_column_letter(first)}{HEADER_ROW}")
        elif last > first:
            sheet.merged_cells.add(f"{get_column_letter(first)}{GROUP_ROW}:{get_column_letter(last)}{GROUP_ROW}")
        column = last + 1
    return group_row, header_row


def ledger_workbook(*, rows, program, today: datetime.date) -> Workbook:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("任务台账")
    last_letter = get_column_letter(len(LEDGER_COLUMNS))
    # The sheet's own settings must all be in place before the first row streams out.
    for index, column in enumerate(LEDGER_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.row_dimensions[TITLE_ROW].height = 30
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.print_title_rows = f"{GROUP_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4

    title = export_cell(sheet, ledger_title(program, today))
    title.font = Font(bold=True, size=16)
    title.alignment = Alignment(horizontal="center", vertical="center")
    sheet.append([title])
    sheet.merged_cells.add(f"A{TITLE_ROW}:{last_letter}{TITLE_ROW}")
    group_row, header_row = _header_rows(sheet)
    sheet.append(group_row)
    sheet.append(header_row)

    for row in stream(rows):
        sheet.append(
            [_styled(sheet, column.value(row), number_format=column.number_format) for column in LEDGER_COLUMNS]
        )
    return workbook


def ledger_response(*, rows, program, today: datetime.date):
    workbook = ledger_workbook(rows=rows, program=program, today=today)
    prefix = f"{program.name}_" if program is not None else ""
    return xlsx_response(workbook, f"{prefix}任务台账_{today:%Y%m%d}.xlsx")


# --- the 任务分工表 import (tasks/services_plan.py) ----------------------------------------------

UNIT_HINT = "单位按方案写法填写（全称或简称），多个单位用“、”或“，”分隔；“各乡镇”表示全部乡镇人民政府"

TASK_PLAN_COLUMNS = ColumnSet(
    Column("序号", "code", kind=CODE, required=True, max_length=30, aliases=("编号",),
           help_text="同一试点项目内序号相同的任务会被更新，不会重复新增", width=8),
    Column("任务", "text", required=True, aliases=("工作任务", "重点任务", "任务内容", "工作内容"),
           help_text="任务原文", width=60),
    Column("牵头单位", "lead", help_text=UNIT_HINT, width=24),
    Column("配合单位", "cooperating", help_text=UNIT_HINT + "；“各有关部门”等泛指记为“各有关部门配合”", width=30),
    Column("负责单位", "responsible", aliases=("责任单位",),
           help_text="只有一列单位时填这里：写明“…牵头，…配合”的按其所写，否则第一个单位为牵头单位；"
           "有牵头单位列时不必填写", width=30),
    DeadlineColumn("完成时限", "deadline", help_text=DEADLINE_HINT + "；“长期坚持”或留空按试点项目结束年底计",
                   width=14),
    Column("任务名称", "title", max_length=200, help_text="留空时取任务原文的第一句", width=24),
    Column("试点项目", "program", help_text="项目名称或项目代码；本县只有一个试点项目时可不填", width=24),
)  # fmt: skip

import_kinds.register(
    ImportKind(
        key="task-plan",
        label="任务分工表",
        columns=TASK_PLAN_COLUMNS,
        service="tasks.services_plan.task_plan_import",
        permission=permissions.can_manage_tasks,
        description="把方案所附的任务分工表导入为试点项目的任务：按“试点项目 + 序号”匹配，已有的任务更新，没有的新增。",
        notes=(
            "牵头、配合单位按方案写法匹配本县单位的全称或简称；“各乡镇”“各乡（镇、街道）”分解到每个乡镇人民政府。",
            "只有“负责单位”一列时，写明“…牵头，…配合”的按其所写，否则第一个单位为牵头单位。",
            "新任务从试点项目起始年度的1月1日开始，每6个月报送一次；可在任务页面修改。",
        ),
    )
)
