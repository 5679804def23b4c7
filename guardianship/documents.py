"""The documents guardianship issues: the guardianship and care agreement (监护照料协议书)
pre-filled for a person and their current guardian, ready to print and sign."""

from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from pilot_admin.documents import DocumentKind, Placeholder, document_kinds, layout

HERE = Path(__file__).resolve().parent

DUTY_ROW = (("index", "序号"), ("duty", "监护照料职责"))


def _line(document, text: str, *, indent: bool = False, align=None) -> None:
    paragraph = document.add_paragraph(text, style=layout.STYLE_BODY)
    if not indent:
        paragraph.paragraph_format.first_line_indent = Pt(0)
    if align is not None:
        paragraph.alignment = align


def build_agreement():
    document = layout.new_document()
    _line(document, "协议编号：{{ agreement_number }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    layout.title(document, "特困人员监护照料协议书")
    _line(document, "甲方（委托方）：{{ township_government }}")
    _line(document, "乙方（监护人）：{{ guardian_name }}（{{ guardian_kind }}）")
    _line(document, "与被监护人关系：{{ guardian_relation }}")
    _line(document, "乙方联系电话：{{ guardian_phone }}")
    _line(document, "被监护人：{{ person_name }}，{{ person_gender }}，出生日期 {{ person_birth_date }}")
    _line(document, "公民身份号码：{{ person_id_number }}")
    _line(document, "住址：{{ person_address }}（{{ village }}）")
    layout.body(
        document,
        "根据《中华人民共和国民法典》和《特困人员认定办法》等有关规定，为保障被监护人{{ person_name }}"
        "（{{ person_kind }}，{{ support_mode }}）的人身、财产及其他合法权益，甲乙双方经协商一致，"
        "自{{ start_date }}起由乙方担任被监护人的监护人，订立本协议。",
    )
    layout.heading(document, "一、乙方的监护照料职责")
    layout.table(document, columns=DUTY_ROW, loop="duties")
    layout.heading(document, "二、甲方的责任")
    layout.body(
        document,
        "甲方按规定发放特困人员救助供养金和照料护理补贴，每月组织走访，督促乙方履行监护照料职责；"
        "乙方不履行或不能履行职责时，甲方按程序另行确定监护人。",
    )
    layout.heading(document, "三、其他")
    layout.body(document, "本协议一式三份，甲乙双方各执一份，报县民政部门备案一份，自双方签字盖章之日起生效。")
    for _ in range(2):
        _line(document, "")
    _line(document, "甲方（盖章）：{{ township_government }}")
    _line(document, "负责人（签字）：")
    _line(document, "")
    _line(document, "乙方（签字）：")
    _line(document, "")
    _line(document, "签订日期：{{ issue_date }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    return document


AGREEMENT = document_kinds.register(
    DocumentKind(
        key="guardianship-agreement",
        label="特困人员监护照料协议书",
        description="为一名特困人员和其现任监护人预先填好的监护照料协议，含被监护人完整的公民身份号码；"
        "在人员页面“监护人与协议”一节生成，只有乡镇和县领导小组办公室可以下载，每次下载记入审计日志。",
        placeholders=(
            Placeholder("agreement_number", "协议编号"),
            Placeholder("township_government", "甲方（乡镇人民政府）"),
            Placeholder("guardian_name", "监护人姓名或单位"),
            Placeholder("person_name", "被监护人姓名"),
            Placeholder("person_id_number", "被监护人公民身份号码"),
            Placeholder("duties", "监护照料职责（表格）", is_list=True),
            Placeholder("issue_date", "签订日期"),
        ),
        optional=(
            Placeholder("guardian_kind", "监护人类型"),
            Placeholder("guardian_relation", "与被监护人关系"),
            Placeholder("guardian_phone", "监护人联系电话"),
            Placeholder("person_gender", "性别"),
            Placeholder("person_birth_date", "出生日期"),
            Placeholder("person_address", "住址"),
            Placeholder("village", "所在村"),
            Placeholder("person_kind", "人员类别"),
            Placeholder("support_mode", "供养方式"),
            Placeholder("start_date", "监护开始日期"),
        ),
        row_fields={"duties": DUTY_ROW},
        default_path=HERE / "templates" / "docx" / "guardianship_agreement.docx",
        build=build_agreement,
    )
)
