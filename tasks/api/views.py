"""Read side of the tasks API: thin viewsets over visible_to querysets and the shared FilterSets,
and the task statistics from the same selector as the pages."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.response import Response

from pilot_admin.api.base import ScopedAPIView, ScopedReadOnlyViewSet
from tasks import permissions, selectors
from tasks.api.serializers import (
    DepartmentSerializer,
    ProgressReportSerializer,
    TaskSerializer,
    TaskStatsSerializer,
)
from tasks.filters import ProgressReportFilterSet, TaskFilterSet
from villages import selectors as village_selectors
from villages.api.serializers import PilotStatsQuerySerializer


@extend_schema_view(
    list=extend_schema(
        summary="单位列表",
        description="可见的县直部门、群团组织和各乡镇人民政府（报送单位）。",
    ),
    retrieve=extend_schema(summary="单位详情", description="不在查看范围内的单位返回 404。"),
)
class DepartmentViewSet(ScopedReadOnlyViewSet):
    selector = staticmethod(village_selectors.department_list)
    serializer_class = DepartmentSerializer
    access = staticmethod(permissions.can_view_tasks)


@extend_schema_view(
    list=extend_schema(
        summary="任务列表",
        description=(
            "部门用户只看到本部门牵头或配合的任务，乡镇用户只看到落实到本乡镇的任务。"
            "department、township 为参与该任务的单位或乡镇；overdue=true 为未销号且已过完成时限。"
        ),
    ),
    retrieve=extend_schema(summary="任务详情", description="不在查看范围内的任务返回 404。"),
)
class TaskViewSet(ScopedReadOnlyViewSet):
    selector = staticmethod(selectors.task_list_with_units)
    serializer_class = TaskSerializer
    filterset_class = TaskFilterSet
    access = staticmethod(permissions.can_view_tasks)


@extend_schema_view(
    list=extend_schema(
        summary="进度报告列表",
        description="乡镇用户只看到本乡镇的报告；部门用户看到本部门的报告和本部门牵头任务的配合单位报告。",
    ),
    retrieve=extend_schema(summary="进度报告详情", description="不在查看范围内的报告返回 404。"),
)
class ProgressReportViewSet(ScopedReadOnlyViewSet):
    selector = staticmethod(selectors.progress_report_list)
    serializer_class = ProgressReportSerializer
    filterset_class = ProgressReportFilterSet
    access = staticmethod(permissions.can_view_tasks)


class TaskStatsView(ScopedAPIView):
    """Department load and close-out, and report completeness and timeliness per reporting unit
    (SPEC §7.3): the same selector as the completeness page."""

    access = staticmethod(permissions.can_view_tasks)

    @extend_schema(
        summary="任务与报送统计",
        description=(
            "所有数字按统计截止日 as_of 计算：往年为该年12月31日，今年为今天；尚未开始的年度返回 400。"
            "只计截至 as_of 已发生的事：截至 as_of 已销号、截至 as_of 已过完成时限而未销号（逾期）、"
            "截至 as_of 已首次提交；"
            "以后的销号、补报不改变往年的数字（撤销销号会清除销号时间，是唯一的例外）。"
            "本年度任务：截至 as_of 已开始，且完成时限在本年度或以后、或到本年初仍未销号的任务。"
            "departments：每个参与本年度任务的单位一行，县直部门、群团组织和乡镇人民政府都在内；"
            "没有县级牵头单位、由各乡镇落实的任务，各乡镇人民政府都计为牵头（与任务列表的 lead_departments 一致）。"
            "reporting_units：各报送单位本年度截至 as_of 的应报、已报、按时报份数，完整率和及时率。"
            "县级用户、检查组和接口用户（scope=county）看到全县；部门用户（scope=department）和乡镇用户"
            "（scope=township，即本乡镇人民政府）只看到本单位，tasks 为本单位参与的任务。"
            "分工和报送期按现状：县办改动任务的责任单位或报送周期，往年的应报份数随之改变。"
        ),
        parameters=[PilotStatsQuerySerializer],
        responses={
            200: TaskStatsSerializer,
            400: OpenApiResponse(description="缺少或无效的 program / year，或年度尚未开始（中文说明）"),
        },
    )
    def get(self, request):
        query = PilotStatsQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        return Response(selectors.task_stats(user=request.user, **query.validated_data))
