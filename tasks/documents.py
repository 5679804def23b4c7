"""The documents tasks issues: the half-year and the year work summary (半年、年度工作总结)
of a program's tasks, from the reports (per unit, as 报送情况 counts them) and the ledger (per
task and unit, as 任务台账 shows it)."""

from pathlib import Path

from pilot_admin.documents import DocumentKind, Placeholder, document_kinds, layout

HERE = Path(__file__).resolve().parent

UNIT_ROW = (
    ("index", "序号"),
    ("unit", "报送单位"),
    ("expected", "应报"),
    ("received", "已报"),
    ("on_time", "按时报"),
    ("completeness", "完整率"),
    ("timeliness", "及时率"),
)
TASK_ROW = (
    ("code", "编号"),
    ("task", "任务"),
    ("unit", "单位"),
    ("period", "期次"),
    ("status", "状态"),
    ("percent", "进度"),
    ("figures", "数据"),
    ("days_overdue", "逾期天数"),
)

REQUIRED = (
    Placeholder("issuing_office", "发文机关"),
    Placeholder("document_number", "发文字号"),
    Placeholder("issue_date", "成文日期"),
    Placeholder("program_name", "试点项目名称"),
    Placeholder("year", "年度"),
    Placeholder("task_count", "本年度任务数"),
    Placeholder("units", "各单位报送情况（表格）", is_list=True),
    Placeholder("tasks", "任务台账（表格）", is_list=True),
)
OPTIONAL = (
    Placeholder("period_name", "期间（上半年或全年）"),
    Placeholder("as_of", "统计截止日"),
    Placeholder("ledger_date", "台账日期"),
    Placeholder("closed_out", "已销号任务数"),
    Placeholder("overdue", "逾期任务数"),
    Placeholder("expected", "应报份数"),
    Placeholder("received", "已报份数"),
    Placeholder("on_time", "按时报送份数"),
    Placeholder("completeness", "报告完整率"),
    Placeholder("timeliness", "报告及时率"),
)


def build_summary(period_word: str):
    document = layout.new_document()
    layout.letterhead(document)
    layout.title(document, "{{ program_name }}{{ year }}年" + period_word + "工作总结")
    layout.addressee(document, "县农村社区建设试点工作领导小组：")
    layout.body(
        document,
        "现将{{ program_name }}{{ year }}年{{ period_name }}各项任务的推进和报送情况总结如下（数据截至{{ as_of }}）。",
    )
    layout.heading(document, "一、任务推进情况")
    layout.body(
        document,
        "本年度共有任务{{ task_count }}项，已销号{{ closed_out }}项，逾期未销号{{ overdue }}项。"
        "各单位应报进度报告{{ expected }}份，已报{{ received }}份，其中按时报送{{ on_time }}份，"
        "报告完整率{{ completeness }}，及时率{{ timeliness }}。",
    )
    layout.heading(document, "二、各单位报送情况")
    layout.table(document, columns=UNIT_ROW, loop="units")
    layout.heading(document, "三、任务台账（{{ ledger_date }}）")
    layout.table(document, columns=TASK_ROW, loop="tasks")
    layout.heading(document, "四、下一步工作")
    layout.body(document, "对逾期未报、进度滞后的任务，由牵头单位督促落实，县领导小组办公室按期通报。")
    layout.signature(document)
    layout.colophon(document)
    return document


YEAR_SUMMARY = document_kinds.register(
    DocumentKind(
        key="task-year-summary",
        label="任务年度工作总结",
        description="一个试点项目某年度全年的任务推进和各单位报送情况，附任务台账；在“报送情况”页面生成。",
        placeholders=REQUIRED,
        optional=OPTIONAL,
        row_fields={"units": UNIT_ROW, "tasks": TASK_ROW},
        default_path=HERE / "templates" / "docx" / "task_year_summary.docx",
        build=lambda: build_summary("度"),
    )
)
HALF_YEAR_SUMMARY = document_kinds.register(
    DocumentKind(
        key="task-half-year-summary",
        label="任务半年工作总结",
        description="一个试点项目某年度上半年（1月1日至6月30日）的任务推进和各单位报送情况，附任务台账；在“报送情况”页面生成。",
        placeholders=REQUIRED,
        optional=OPTIONAL,
        row_fields={"units": UNIT_ROW, "tasks": TASK_ROW},
        default_path=HERE / "templates" / "docx" / "task_half_year_summary.docx",
        build=lambda: build_summary("上半年"),
    )
)
