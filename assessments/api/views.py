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
            "只计已确认的检查；整改后复查并确认的，以复查结果为准。"
            "townships：各乡镇检查村数、平均分和各等次村数；open_rectifications：尚未验收的整改项目数。"
            "乡镇用户只看到本乡镇。"
        ),
        parameters=[PilotStatsQuerySerializer],
        responses={
            200: AssessmentStatsSerializer,
            400: OpenApiResponse(description="缺少或无效的 program / year（中文说明）"),
        },
    )
    def get(self, request):
        query = PilotStatsQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        return Response(selectors.assessment_stats(user=request.user, **query.validated_data).as_dict())
