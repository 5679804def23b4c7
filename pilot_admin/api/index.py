"""GET /api/v1/: the API's table of contents, for a client finding its way without the schema."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from pilot_admin.api.base import ScopedAPIView

# Every resource of v1 by its route name, with one line for the index; each app's routes are
# included by pilot_admin/api/urls.py. tests/pilot_admin/test_api_http.py checks that no
# collection, statistic or import route is missing.
RESOURCES = [
    ("townships", "api_township-list", "乡镇及其有效行政村数"),
    ("villages", "api_village-list", "行政村，含当前试点；详情可用 PATCH 修改（须带 If-Match）"),
    ("pilot-assignments", "api_pilot_assignment-list", "试点村台账：各项目、各年度的试点村及审批状态"),
    ("pilot-nominations", "api_pilot_nomination-list", "乡镇的试点申报及县里的审核状态"),
    ("departments", "api_department-list", "报送单位：县直部门、群团组织和各乡镇人民政府"),
    ("tasks", "api_task-list", "工作任务及其牵头、配合单位和进度"),
    ("progress-reports", "api_progress_report-list", "各单位报送的进度报告"),
    ("inspections", "api_inspection-list", "试点村检查验收及得分、等次"),
    ("persons", "api_person-list", "特困人员名册（身份证号脱敏）；详情可用 PATCH 修改（须带 If-Match）"),
    ("supervision-committees", "api_supervision_committee-list", "村务监督委员会：各村各届的监委会、成员和选举进度"),
    ("stats/pilots", "api_pilot_stats", "试点比例达标统计"),
    ("stats/standards", "api_standards_stats", "试点村建设标准达标统计"),
    ("stats/tasks", "api_task_stats", "任务与报送统计"),
    ("stats/assessments", "api_assessment_stats", "检查验收统计"),
    ("stats/guardianship", "api_guardianship_stats", "监护照护月度统计"),
    ("stats/supervision", "api_supervision_stats", "村务监督委员会统计：成立、换届、会议和财务复核"),
    ("imports/villages", "api_village_import", "导入村基本信息（Excel）"),
    ("imports/pilot-assignments", "api_pilot_assignment_import", "导入试点村（Excel）"),
    ("imports/task-plan", "api_task_plan_import", "导入任务分工表（Excel）"),
    ("auth/token", "api_token", "用户名和密码换取接口令牌"),
]


@extend_schema(
    summary="接口目录",
    description="列出全部接口资源（名称、地址、说明）以及接口说明文档的地址。能否调用某个接口取决于账户的角色。",
    responses=inline_serializer(
        "ApiIndex",
        {
            "name": serializers.CharField(help_text="接口名称"),
            "version": serializers.CharField(help_text="接口版本，如 v1"),
            "schema": serializers.CharField(help_text="OpenAPI 3 接口说明的地址"),
            "docs": serializers.CharField(help_text="接口说明网页的地址"),
            "resources": inline_serializer(
                "ApiResource",
                {
                    "name": serializers.CharField(help_text="资源名称"),
                    "url": serializers.CharField(help_text="地址（相对于本站）"),
                    "description": serializers.CharField(help_text="一句话说明"),
                },
                many=True,
            ),
        },
    ),
    tags=["index"],
)
class ApiIndexView(ScopedAPIView):
    def get(self, request):
        return Response(
            {
                "name": "试点工作管理系统 REST API",
                "version": "v1",
                "schema": reverse("api_schema"),
                "docs": reverse("api_docs"),
                "resources": [
                    {"name": name, "url": reverse(route), "description": description}
                    for name, route, description in RESOURCES
                ],
            }
        )
