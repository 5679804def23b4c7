"""Read side of the villages API: thin viewsets over the selectors and the shared FilterSets."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.response import Response

from pilot_admin import locking
from pilot_admin.api.base import ScopedAPIView, ScopedReadOnlyViewSet
from pilot_admin.api.filters import filters_requested
from villages import permissions, selectors, selectors_nominations, services, standards
from villages.api.filters import ViewFilterSetBackend
from villages.api.serializers import (
    PilotAssignmentSerializer,
    PilotNominationSerializer,
    PilotStatsQuerySerializer,
    PilotStatsSerializer,
    StandardsQuerySerializer,
    StandardsStatsSerializer,
    TownshipSerializer,
    VillageSerializer,
    VillageUpdateSerializer,
)
from villages.filters import PilotAssignmentFilterSet, PilotNominationFilterSet, VillageFilterSet
from villages.models import Village


@extend_schema_view(
    list=extend_schema(summary="乡镇列表", description="可见的乡镇及其有效行政村数。"),
    retrieve=extend_schema(summary="乡镇详情", description="不在查看范围内的乡镇返回 404。"),
)
class TownshipViewSet(ScopedReadOnlyViewSet):
    selector = staticmethod(selectors.township_list)
    serializer_class = TownshipSerializer


@extend_schema_view(
    list=extend_schema(
        summary="村列表",
        description="pilot 为该村当前（未撤销、最新）的试点；指定 program、year 时只看该项目、该年度的试点。",
    ),
    retrieve=extend_schema(
        summary="村详情",
        description="不在查看范围内的村返回 404。响应头 ETag 为记录当前版本。",
        parameters=[locking.ETAG_HEADER],
    ),
    partial_update=extend_schema(
        summary="修改村信息",
        description=(
            "仅县领导小组办公室。须带 If-Match（村详情返回的 ETag）：缺少返回 428，"
            "记录已被他人修改返回 412。可改字段同村信息表单；township 等其他字段忽略。"
        ),
        parameters=[locking.IF_MATCH_HEADER, locking.ETAG_HEADER],
        request=VillageUpdateSerializer,
        responses={200: VillageSerializer, **locking.PATCH_ERRORS},
    ),
)
class VillageViewSet(locking.VersionedPatchMixin, ScopedReadOnlyViewSet):
    selector = staticmethod(selectors.village_api_list)
    serializer_class = VillageSerializer
    filterset_class = VillageFilterSet
    filter_backends = [ViewFilterSetBackend]
    input_serializer_class = VillageUpdateSerializer
    write_access = staticmethod(permissions.can_manage_villages)

    def versioned_update(self, obj, version, data):
        return services.village_update(actor=self.request.user, village=obj, version=version, **data)

    def get_queryset(self):
        # Each row's `pilot` is narrowed to the requested program and year, like the rows are.
        self.filterset, chosen = None, {}
        if filters_requested(self.filterset_class, self.request.query_params):
            self.filterset = self.filterset_class(
                self.request.query_params, queryset=Village.objects.none(), request=self.request, empty_is_error=True
            )
            chosen = self.filterset.form.cleaned_data if self.filterset.is_valid() else {}
        return type(self).selector(user=self.request.user, program=chosen.get("program"), year=chosen.get("year"))


@extend_schema_view(
    list=extend_schema(
        summary="试点村台账",
        description="各项目、各年度选定的试点村及其级别、审批状态和省级重点支持状态（provincial_status，可筛选）。",
    ),
    retrieve=extend_schema(summary="试点村详情", description="不在查看范围内的试点村返回 404。"),
)
class PilotAssignmentViewSet(ScopedReadOnlyViewSet):
    selector = staticmethod(selectors.pilot_assignment_api_list)
    serializer_class = PilotAssignmentSerializer
    filterset_class = PilotAssignmentFilterSet


class PilotStatsView(ScopedAPIView):
    """The quota-compliance report (SPEC §7.1): the same selector as the quota page."""

    @extend_schema(
        summary="试点比例达标统计",
        description=(
            "所有数字按统计截止日 as_of 计算：往年为该年12月31日，今年为今天；尚未开始的年度返回 400。"
            "只计已审批的试点，按试点年度（批次）计入；撤销的试点自撤销之日起不计，撤销前的年度仍计入，"
            "所以今天撤销不改变往年的数字。审批日期不作限制（往年的批次常在事后录入）。"
            "行政村数按现状（有效的行政村）：系统不记录村的设立、撤并日期，新增或撤并村会改变往年的村数、"
            "最低要求和占比。"
            "county 一律为全县的数字和达标结论（全县每年最少试点村数、省级重点支持最少村数按全县判断），"
            "乡镇用户也是如此；townships 为调用者可见的乡镇：乡镇用户（scope=township）只有本乡镇一行，"
            "与全县用户看到的该乡镇一行相同；其他用户（scope=county）为全县各乡镇，各行之和等于 county。"
        ),
        parameters=[PilotStatsQuerySerializer],
        responses={
            200: PilotStatsSerializer,
            400: OpenApiResponse(description="缺少或无效的 program / year，或年度尚未开始（中文说明）"),
        },
    )
    def get(self, request):
        query = PilotStatsQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        report = selectors.pilot_quota_stats(user=request.user, **query.validated_data)
        return Response(report.as_dict())


class StandardsStatsView(ScopedAPIView):
    """Construction standards (SPEC §2.B, §2.C, §2.E): the same selector as the standards pages."""

    @extend_schema(
        summary="试点村建设达标统计",
        description=(
            "按试点项目的建设标准逐项评价试点村。分母为该年度计入的试点村（已审批、试点年度不晚于该年，"
            "按统计截止日 as_of 计，撤销的自撤销之日起不计）中适用该标准的村；"
            "只计县里已确认的该年度指标，没有则为未填报（not_reported）。"
            "写明考核年度（due_year）的标准在该年之前 verdict 为 not_due。county 为全县的数字（各角色相同）；"
            "townships 和 villages 为调用者可见的乡镇（乡镇用户 scope=township 只有本乡镇），"
            "指定 township 时只含该乡镇。"
        ),
        parameters=[StandardsQuerySerializer],
        responses={
            200: StandardsStatsSerializer,
            400: OpenApiResponse(description="缺少或无效的 program / year / township，或年度尚未开始（中文说明）"),
        },
    )
    def get(self, request):
        query = StandardsQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        return Response(standards.standards_report(user=request.user, **query.validated_data).as_dict())


@extend_schema_view(
    list=extend_schema(
        summary="试点申报",
        description="乡镇申报的试点村及审核状态：乡镇用户只看本乡镇的申报，县级角色看本县的。只读；申报和审核在网页上进行。",
    ),
    retrieve=extend_schema(summary="试点申报详情", description="不在查看范围内的申报返回 404。"),
)
class PilotNominationViewSet(ScopedReadOnlyViewSet):
    selector = staticmethod(selectors_nominations.nomination_list)
    serializer_class = PilotNominationSerializer
    filterset_class = PilotNominationFilterSet
