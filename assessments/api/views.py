"""Read side of the assessments API: inspections through visible_to and the shared FilterSet,
and the assessment statistics from the same selector as the results pages."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.response import Response

from assessments import permissions, selectors
from assessments.api.serializers import AssessmentStatsSerializer, InspectionSerializer
from assessments.filters import InspectionFilterSet
from pilot_admin.api.base import ScopedAPIView, ScopedReadOnlyViewSet
from villages.api.serializers import PilotStatsQuerySerializer


@extend_schema_view(
    list=extend_schema(
        summary="检查验收列表",
        description=(
            "检查组成员只看到本组的检查，乡镇用户只看到本乡镇已确认的检查，县级用户看到全县。"
            "program 为试点项目代码；grade 为 excellent/pass/fail；status 为 draft/submitted/confirmed。"
        ),
    ),
    retrieve=extend_schema(summary="检查验收详情", description="不在查看范围内的检查返回 404。"),
)
class InspectionViewSet(ScopedReadOnlyViewSet):
    selector = staticmethod(selectors.inspection_list)
    serializer_class = InspectionSerializer
    filterset_class = InspectionFilterSet
    access = staticmethod(permissions.can_view_assessments)


class AssessmentStatsView(ScopedAPIView):
    """Confirmed results of a program's year: county figures, per township, open rectifications."""

    access = staticmethod(permissions.can_view_assessments)

    @extend_schema(
        summary="检查验收统计",
        description=(
            "所有数字按统计截止日 as_of 计算：往年为该年12月31日，今年为今天；尚未开始的年度返回 400。"
            "只计已确认的检查。原检查是该年度的检查，不论何时录入、确认都计入该年度；"
            "整改后复查并确认的，复查日期（未填写的按确认日期）不晚于 as_of 的以复查结果为准，"
            "所以次年的复查不改变往年的数字（检查结果排名和通报页面按最新结果）。"
            "townships：各乡镇检查村数、平均分和各等次村数；"
            "open_rectifications：截至 as_of 已提出而尚未验收的整改项目数。"
            "统计范围 scope：县级用户、部门用户和接口用户为全县（county），各乡镇之和等于总数；"
            "乡镇用户（township）只看到本乡镇，总数与全县统计中本乡镇一行相同；"
            "检查组成员（team）只看到本人所在检查组的检查。部门用户的 open_rectifications 只计由本单位负责的整改。"
        ),
        parameters=[PilotStatsQuerySerializer],
        responses={
            200: AssessmentStatsSerializer,
            400: OpenApiResponse(description="缺少或无效的 program / year，或年度尚未开始（中文说明）"),
        },
    )
    def get(self, request):
        query = PilotStatsQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        return Response(selectors.assessment_stats(user=request.user, **query.validated_data).as_dict())
