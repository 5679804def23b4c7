"""Excel column maps of the supervision app: the cadre register import."""

from pilot_admin.excel import BOOL, CHOICE, CODE, DATE, Column, ColumnSet, ImportKind, import_kinds
from supervision import permissions
from supervision.choices import CadrePost, Gender

CADRE_COLUMNS = ColumnSet(
    Column("乡镇", "township", required=True, help_text="本县乡镇的全称，如“水布垭镇”", width=14),
    Column("村名", "village", required=True, help_text="该乡镇中已有的村（居）"),
    Column("姓名", "name", required=True, max_length=50, width=10),
    Column("职务", "post", kind=CHOICE, choices=tuple(CadrePost.choices), required=True, width=16),
    Column(
        "公民身份号码",
        "id_number",
        kind=CODE,
        max_length=18,
        aliases=("身份证号", "身份证号码"),
        help_text="可不填；填写时出生日期和性别由号码得出",
        width=22,
    ),
    Column("出生日期", "birth_date", kind=DATE, help_text="未填身份证号时用于比对候选人", width=12),
    Column("性别", "gender", kind=CHOICE, choices=tuple(Gender.choices), width=6),
    Column("中共党员", "is_party_member", kind=BOOL, help_text="留空记为“否”", width=10),
    Column("任职开始日期", "term_start", kind=DATE, required=True, width=12),
    Column("任职结束日期", "term_end", kind=DATE, help_text="现任的留空", width=12),
)

import_kinds.register(
    ImportKind(
        key="village-cadres",
        label="村干部名册",
        columns=CADRE_COLUMNS,
        service="supervision.services_import.cadre_import",
        permission=permissions.can_edit_supervision,
        description="登记村“两委”成员、村秘书和报账员：每行一人一个职务，村务监督委员会成员的任职条件据此审查。",
        notes=(
            "乡镇工作人员只能导入本乡镇各村的村干部。同一村同一人同一职务同一任期不能重复登记。",
            "任何一行有错误则不写入。",
        ),
    )
)
