"""The documents villages issues: the pilot acceptance notice (试点村验收通知)."""

from pathlib import Path

from pilot_admin.documents import DocumentKind, Placeholder, document_kinds, layout

HERE = Path(__file__).resolve().parent

ACCEPTANCE_ROW = (
    ("index", "序号"),
    ("township", "乡镇"),
    ("village", "村"),
    ("batch", "试点年度"),
    ("level", "级别"),
    ("accepted_on", "验收日期"),
    ("document_no", "验收文号"),
)


def build_acceptance_notice():
    document = layout.new_document()
    layout.letterhead(document)
    layout.title(document, "关于{{ year }}年度农村社区建设试点村验收结果的通知")
    layout.addressee(document, "各乡镇人民政府，县直有关单位：")
    layout.body(
        document,
        "根据《{{ program_name }}》的安排，县农村社区建设试点工作领导小组对试点村的建设情况进行了检查验收。"
        "{{ year }}年度共有{{ pilot_count }}个试点村通过验收，现将名单通知如下：",
    )
    layout.table(document, columns=ACCEPTANCE_ROW, loop="pilots")
    layout.body(document, "")
    layout.body(
        document,
        "请各乡镇巩固试点建设成果，健全长效管理机制，发挥试点村的示范带动作用；"
        "通过验收的试点村不再列入年度检查，建设中的问题由所在乡镇负责督促整改。",
    )
    layout.body(document, "特此通知。")
    layout.signature(document)
    layout.colophon(document)
    return document


ACCEPTANCE_NOTICE = document_kinds.register(
    DocumentKind(
        key="pilot-acceptance-notice",
        label="试点村验收通知",
        description="一个试点项目某一年度通过验收的试点村名单（按验收日期所在年度），在“试点村台账”页面生成。",
        placeholders=(
            Placeholder("issuing_office", "发文机关"),
            Placeholder("document_number", "发文字号"),
            Placeholder("issue_date", "成文日期"),
            Placeholder("program_name", "试点项目名称"),
            Placeholder("year", "验收年度"),
            Placeholder("pilot_count", "通过验收的试点村数"),
            Placeholder("pilots", "通过验收的试点村（表格）", is_list=True),
        ),
        row_fields={"pilots": ACCEPTANCE_ROW},
        default_path=HERE / "templates" / "docx" / "pilot_acceptance_notice.docx",
        build=build_acceptance_notice,
    )
)
