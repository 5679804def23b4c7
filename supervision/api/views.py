"""Read side of the supervision API: committees through visible_to and their FilterSet, and the
statistics from the one selector the dashboard reads too (supervision/statistics.py)."""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.response import Response

from pilot_admin.api.base import ScopedAPIView, ScopedReadOnlyViewSet
from supervision import permissions, statistics
from supervision.api.filters import CommitteeFilterSet
from supervision.api.serializers import (
    CommitteeSerializer,
    SupervisionStatsQuerySerializer,
    SupervisionStatsSerializer,
)
from supervision.models import Committee, CommitteeMember


def committee_api_list(*, user):
    """Committees `user` sees, with village, township, election and members in three queries
    per page whatever its size."""
    return (
        Committee.objects.visible_to(user)
        .select_related("village__township", "election")
        .prefetch_related(Prefetch("members", queryset=CommitteeMember.objects.order_by("role", "name", "id")))
        .order_by(*Committee._meta.ordering, "id")
    )


@extend_schema_view(
    list=extend_schema(
        summary="村务监督委员会列表",
        description=(
            "乡镇用户只看到本乡镇各村的监委会，县级用户和接口用户看到本县。每村每届一条。"
            "status 为 electing/active/ended/dissolved；is_pilot（true/false）为试点村；"
            "township 为乡镇 id（不在查看范围内的乡镇返回 400）。成员只给出姓名、职务、小组和党员身份。"
        ),
    ),
    retrieve=extend_schema(summary="村务监督委员会详情", description="不在查看范围内的监委会返回 404。"),
)
class CommitteeViewSet(ScopedReadOnlyViewSet):
    selector = staticmethod(committee_api_list)
    serializer_class = CommitteeSerializer
    filterset_class = CommitteeFilterSet
    access = staticmethod(permissions.can_view_supervision)


class SupervisionStatsView(ScopedAPIView):
    """Committees established, due and overdue; pilots and coverage; the month's meetings and
    reviews against what is due — per township, per county and in total."""

    access = staticmethod(permissions.can_view_supervision)

    @extend_schema(
        summary="村务监督委员会统计",
        description=(
            "按统计截止日 as_of 计算：往月为该月最后一天，本月为今天；晚于本月的月份返回 400。"
            "各数按记录自身的日期（备案、撤销、会议、复核日期）计算，往月的数字不因此后的换届、撤销或补录的复核而改变。"
            "在任：已备案、未撤销、且本村没有更晚备案的新一届；将届满：任期在本县提醒天数内届满；"
            "逾期未换届：任期已届满而新一届尚未备案。试点村个数按本县现行试点方案判断（未定方案时每个乡镇1—2个，pilot_in_range）。"
            "应开会、应复核：as_of 在任、在当月（复核期间）开始前已备案、且任期未在当月开始前届满的监委会；"
            "复核按本县规则按月或按季（counties[].review_interval）。"
            "统计范围 scope：县级用户和接口用户为全县（county），townships 各行之和等于总数；"
            "乡镇用户，或指定 township 时为该乡镇（township）。"
        ),
        parameters=[SupervisionStatsQuerySerializer],
        responses={
            200: SupervisionStatsSerializer,
            400: OpenApiResponse(description="无效的月份或乡镇（中文说明）"),
        },
    )
    def get(self, request):
        query = SupervisionStatsQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        return Response(statistics.supervision_stats(user=request.user, **query.validated_data).as_dict())
