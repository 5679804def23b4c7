"""Excel layout of the assessments app: the offline score sheet (exported per inspection,
filled on a laptop in the village, imported back through the shared pipeline) and the 通报.

The score sheet's header row is the import's ColumnSet, so the exported file is the template:
every row carries its township, village and year, which the import checks against the
inspections the inspector may score.
"""

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from assessments import permissions
from pilot_admin.excel import (
    BOOL,
    CODE,
    DECIMAL,
    HEADER_FILL,
    NO,
    TEXT,
    YEAR,
    YES,
    Column,
    ColumnSet,
    ExportColumn,
    ImportKind,
    export_cell,
    export_response,
    import_kinds,
    xlsx_response,
)

SCORE_SHEET_COLUMNS = ColumnSet(
    Column("乡镇", "township", kind=TEXT, required=True, help_text="导出时已填好，请勿修改", width=12),
    Column("村名", "village", kind=TEXT, required=True, help_text="导出时已填好，请勿修改", width=12),
    Column("年度", "year", kind=YEAR, required=True, help_text="导出时已填好，请勿修改", width=8),
    Column("编号", "code", kind=CODE, required=True, max_length=10, help_text="评分项目编号，请勿修改", width=8),
    Column("评分项目", "title", kind=TEXT, help_text="仅供参考，导入时不读取", width=40),
    Column("满分", "max_points", kind=DECIMAL, help_text="仅供参考，导入时不读取", width=8),
    Column(
        "得分",
        "points",
        kind=DECIMAL,
        help_text="0 到满分之间的整数或半分（如 4.5）；留空表示该项暂不评分",
        width=8,
    ),
    Column("扣分理由", "reason", kind=TEXT, help_text="未得满分时必填", width=40),
    Column("列入整改", "rectify", kind=BOOL, help_text="留空视为“否”", width=10),
)

score_sheet_kind = import_kinds.register(
    ImportKind(
        key="score-sheet",
        label="检查验收评分表",
        columns=SCORE_SHEET_COLUMNS,
        service="assessments.services_import.score_sheet_import",
        permission=permissions.can_score,
        description="导入在村里离线填写的评分表：按“乡镇 + 村名 + 年度”找到您所在检查组的草稿检查，写入各项得分。",
        notes=(
            "请先在检查页面导出该村的评分表（Excel），填写“得分”“扣分理由”“列入整改”三列后导入。",
            "任何一行有错误则不写入；已提交或已确认的检查不能再导入评分。",
        ),
    )
)

_POINTS_COLUMN = get_column_letter(SCORE_SHEET_COLUMNS.headers.index("得分") + 1)
_RECTIFY_COLUMN = get_column_letter(SCORE_SHEET_COLUMNS.headers.index("列入整改") + 1)
_TITLE_INDEX = SCORE_SHEET_COLUMNS.headers.index("评分项目")


def sheet_filename(inspection, *, blank: bool) -> str:
    village = inspection.pilot.village
    suffix = "空白" if blank else "已填"
    return f"{inspection.year}年检查验收评分表_{village.township.name}{village.name}_{suffix}.xlsx"


def sheet_workbook(*, inspection, items, scores: dict, blank: bool) -> Workbook:
    """One row per item with the inspection's township, village and year on each row; points,
    reason and 列入整改 prefilled unless `blank`; each item's guidance as a comment on its
    title. A normal (not write-only) workbook: the sheet is a few dozen rows, and data
    validation needs one."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{inspection.year}年评分表"
    village = inspection.pilot.village
    header = []
    for index, column in enumerate(SCORE_SHEET_COLUMNS, start=1):
        cell = export_cell(sheet, column.header, bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        cell.comment = Comment(column.description, "填写说明", width=260, height=110)
        sheet.column_dimensions[get_column_letter(index)].width = column.width
        header.append(cell)
    sheet.append(header)
    for item in items:
        score = None if blank else scores.get(item.pk)
        values = [
            village.township.name,
            village.name,
            inspection.year,
            item.code,
            item.title,
            item.max_points,
            score.points if score else None,
            score.reason if score else None,
            (YES if score.rectify else NO) if score else None,
        ]
        cells = [export_cell(sheet, value) for value in values]
        cells[_TITLE_INDEX].alignment = Alignment(wrap_text=True, vertical="top")
        if item.guidance:
            cells[_TITLE_INDEX].comment = Comment(item.guidance, "评分说明", width=320, height=140)
        sheet.append(cells)
    last = len(items) + 1
    validation = DataValidation(
        type="list",
        formula1=f'"{YES},{NO}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="填写有误",
        error=f"请从下拉列表中选择：{YES}、{NO}",
    )
    validation.add(f"{_RECTIFY_COLUMN}2:{_RECTIFY_COLUMN}{max(last, 2)}")
    sheet.add_data_validation(validation)
    points = DataValidation(
        type="decimal",
        operator="between",
        formula1="0",
        formula2="100",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="填写有误",
        error="得分应为 0 到满分之间的数字。",
    )
    points.add(f"{_POINTS_COLUMN}2:{_POINTS_COLUMN}{max(last, 2)}")
    sheet.add_data_validation(points)
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.cell(row=1, column=1).font = Font(bold=True)
    return workbook


def sheet_response(*, inspection, items, scores: dict, blank: bool):
    workbook = sheet_workbook(inspection=inspection, items=items, scores=scores, blank=blank)
    return xlsx_response(workbook, sheet_filename(inspection, blank=blank))


# --- the 通报 -----------------------------------------------------------------------------------

CIRCULAR_COLUMNS = (
    ExportColumn("名次", lambda r: r.rank, width=8),
    ExportColumn("乡镇", lambda r: r.pilot.village.township.name, width=14),
    ExportColumn("村名", lambda r: r.pilot.village.name, width=16),
    ExportColumn("总分", lambda r: r.total, width=10, number_format="0.0"),
    ExportColumn("等次", lambda r: r.get_grade_display(), width=10),
    ExportColumn("整改项目", lambda r: r.rectification_count, width=10),
    ExportColumn("复查", lambda r: "复查结果" if r.original_id else "", width=10),
)


def circular_title_lines(program, year: int) -> tuple[str, str]:
    """The title in its two halves: the printed title breaks between them, never inside one."""
    return program.name, f"{year}年度试点村检查验收结果通报"


def circular_title(program, year: int) -> str:
    return " ".join(circular_title_lines(program, year))


def circular_response(*, program, year: int, rows, stats, issue=None):
    # Under the total column: the county mean; under the grade column: the grade counts.
    footer = [
        [
            "合计",
            "",
            f"检查 {stats.inspected} 个村",
            stats.mean_total,
            f"优秀 {stats.excellent}、合格 {stats.passed}、不合格 {stats.fail}",
        ]
    ]
    return export_response(
        filename=f"{circular_title(program, year)}.xlsx",
        columns=CIRCULAR_COLUMNS,
        rows=([column.value(row) for column in CIRCULAR_COLUMNS] for row in rows),
        sheet_title=f"{year}年检查验收结果",
        # The 文号 goes with the title, as on the paper, so the sheet cites the document it belongs to.
        title=f"{circular_title(program, year)}（{issue.number}）" if issue else circular_title(program, year),
        footer=footer,
    )
