"""Read side of the guardianship API: the register through visible_to and its FilterSet, and
the monthly statistics from the same selector as the county overview."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.response import Response

from guardianship import permissions, selectors, services
from guardianship.api.serializers import (
    GuardianshipStatsQuerySerializer,
    GuardianshipStatsSerializer,
    PersonSerializer,
    PersonUpdateSerializer,
)
from guardianship.filters import PersonFilterSet
from pilot_admin import locking
from pilot_admin.api.base import ScopedAPIView, ScopedReadOnlyViewSet
from pilot_admin.audit.access import PersonalData


@extend_schema_view(
    list=extend_schema(
        summary="特困人员列表",
        description=(
            "乡镇用户只看到本乡镇（按人员现住村）的人员，县级用户和接口用户看到本县。"
            "公民身份号码在接口中一律脱敏。support_mode 为 concentrated/dispersed；"
            "self_care_level 为 full/partial/none；guardian_category 为 I/II/III，missing 表示无现任监护人，"
            "needed 表示应设而未设监护人；visited_in=YYYY-MM 为该月走访次数达到要求的人员，"
            "not_visited_in=YYYY-MM 为该月应走访而未达到的人员；visited、agreement（true/false）为本月是否已走访、"
            "现任监护人是否已签协议；search 按姓名查找。筛选条件与特困人员名册页面相同。"
        ),
    ),
    retrieve=extend_schema(
        summary="特困人员详情",
        description="不在查看范围内的人员返回 404。响应头 ETag 为记录当前版本。",
        parameters=[locking.ETAG_HEADER],
    ),
    partial_update=extend_schema(
        summary="修改特困人员信息",
        description=(
            "乡镇用户（本乡镇的人员）和县领导小组办公室。须带 If-Match（详情返回的 ETag）：缺少返回 428，"
            "记录已被他人修改返回 412。可改字段同人员登记表单；status 等其他字段忽略。"
            "village 只能是本人管辖的村。公民身份号码修改后，出生日期和性别随之重算。"
        ),
        parameters=[locking.IF_MATCH_HEADER, locking.ETAG_HEADER],
        request=PersonUpdateSerializer,
        responses={200: PersonSerializer, **locking.PATCH_ERRORS},
    ),
)
class PersonViewSet(locking.VersionedPatchMixin, ScopedReadOnlyViewSet):
    personal_data = PersonalData("特困人员（接口）", "guardianship.Person")
    selector = staticmethod(selectors.person_list)
    serializer_class = PersonSerializer
    filterset_class = PersonFilterSet
    access = staticmethod(permissions.can_view_guardianship)
    input_serializer_class = PersonUpdateSerializer
    write_access = staticmethod(permissions.can_edit_persons)

    def versioned_update(self, obj, version, data):
        return services.person_save(actor=self.request.user, person=obj, version=version, **data)


class GuardianshipStatsView(ScopedAPIView):
    """The month's register, support modes, self-care levels, guardians and visit coverage."""

    access = staticmethod(permissions.can_view_guardianship)

    @extend_schema(
        summary="监护照护月度统计",
        description=(
            "按统计截止日 as_of 计算：往月为该月最后一天，本月为今天；晚于本月的月份返回 400。"
            "统计当月在册人员（当月登记的计入，当月退出的仍计入当月）。"
            "分散供养人员当月走访次数（按走访日期）达到本县每月最少走访次数即为已走访；visit_coverage 为已走访/应走访。"
            "供养方式、自理能力、监护类别和协议按现状统计（往月也是今天的情况）。"
            "guardian_category.missing：无、限制民事行为能力而没有现任监护人的人数；"
            "agreements_missing：未签订协议的现任监护人数。"
            "统计范围 scope：县级用户和接口用户为全县（county），townships 各行之和等于总数；"
            "乡镇用户，或指定 township 时为该乡镇（township），总数与全县统计中该乡镇一行相同。"
        ),
        parameters=[GuardianshipStatsQuerySerializer],
        responses={
            200: GuardianshipStatsSerializer,
            400: OpenApiResponse(description="无效的月份或乡镇（中文说明）"),
        },
    )
    def get(self, request):
        query = GuardianshipStatsQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        return Response(selectors.guardianship_stats(user=request.user, **query.validated_data).as_dict())
