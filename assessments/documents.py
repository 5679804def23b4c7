"""The document assessments issues: the results circular (检查验收结果通报) as a Word file, with
the 文号, 主送机关 and 落款 the county office set for it (CircularIssue) and the figures of the
通报 page."""

from pathlib import Path

from pilot_admin.documents import DocumentKind, Placeholder, document_kinds, layout

HERE = Path(__file__).resolve().parent

FAILED_ROW = (
    ("township", "乡镇"),
    ("village", "村名"),
    ("total", "总分"),
    ("rectifications", "整改项目"),
    ("open", "尚未验收"),
)
RANKING_ROW = (
    ("rank", "名次"),
    ("township", "乡镇"),
    ("village", "村名"),
    ("total", "总分"),
    ("grade", "等次"),
)


def build_circular():
    document = layout.new_document()
    layout.letterhead(document)
    layout.title(document, "{{ title }}")
    layout.addressee(document, "{{ addressees }}：")
    layout.body(
        document,
        "{{ year }}年度，县试点工作领导小组办公室组织检查验收组，按百分制评分表对{{ inspected }}个试点村"
        "进行了检查验收，平均得分{{ mean_total }}分。其中优秀{{ excellent }}个，合格{{ passed }}个，"
        "不合格{{ fail }}个。现将结果通报如下。",
    )
    layout.heading(document, "一、通报表扬")
    layout.body(document, "{{ commended }}")
    layout.heading(document, "二、限期整改")
    layout.body(document, "{{ failed_text }}")
    layout.table(document, columns=FAILED_ROW, loop="failed")
    layout.heading(document, "三、检查验收结果排名")
    layout.table(document, columns=RANKING_ROW, loop="ranking")
    layout.signature(document)
    layout.colophon(document)
    return document


CIRCULAR = document_kinds.register(
    DocumentKind(
        key="inspection-circular",
        label="检查验收结果通报",
        description="一个试点项目某一年度的检查验收结果通报：表扬优秀村、通报不合格村及其整改、全部排名；"
        "文号、主送机关和落款取自“通报”页设置的文号与落款，在“通报”页生成。",
        placeholders=(
            Placeholder("issuing_office", "发文机关"),
            Placeholder("document_number", "发文字号"),
            Placeholder("issue_date", "成文日期"),
            Placeholder("title", "标题"),
            Placeholder("year", "检查验收年度"),
            Placeholder("inspected", "检查的试点村数"),
            Placeholder("ranking", "检查验收结果排名（表格）", is_list=True),
        ),
        optional=(
            Placeholder("addressees", "主送机关"),
            Placeholder("mean_total", "平均得分"),
            Placeholder("excellent", "优秀村数"),
            Placeholder("passed", "合格村数"),
            Placeholder("fail", "不合格村数"),
            Placeholder("commended", "通报表扬（一段文字）"),
            Placeholder("failed_text", "限期整改（一段文字）"),
            Placeholder("failed", "不合格村及其整改（表格）", is_list=True),
        ),
        row_fields={"failed": FAILED_ROW, "ranking": RANKING_ROW},
        default_path=HERE / "templates" / "docx" / "inspection_circular.docx",
        build=build_circular,
    )
)
