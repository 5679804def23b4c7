"""Input and output shapes of the villages API. Field names are English; values such as place
names stay Chinese; levels and statuses are their stable English values."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pilot_admin.api.inputs import QueryIntegerField, QuerySerializer, StrictModelSerializer
from pilot_admin.dates import year_as_of
from pilot_admin.filters import YEAR_MAX, YEAR_MIN
from villages import selectors
from villages.choices import PilotLevel, PilotStatus
from villages.models import PilotAssignment, PilotNomination, Township, Village
from villages.services import VILLAGE_EDITABLE_FIELDS


class TownshipSerializer(serializers.ModelSerializer):
    village_count = serializers.IntegerField(read_only=True, help_text="有效行政村数")

    class Meta:
        model = Township
        fields = ["id", "code", "name", "village_count"]
        read_only_fields = fields


# The village's current (non-withdrawn, newest) pilot assignment. Serializers carry comments, not
# docstrings: drf-spectacular would publish a docstring as the component's description.
class VillagePilotSerializer(serializers.Serializer):
    program = serializers.CharField(source="program.code", help_text="试点项目代码")
    year = serializers.IntegerField()
    level = serializers.ChoiceField(choices=PilotLevel.choices)
    status = serializers.ChoiceField(choices=PilotStatus.choices)


class VillageSerializer(serializers.ModelSerializer):
    township_name = serializers.CharField(source="township.name", read_only=True)
    pilot = serializers.SerializerMethodField()

    class Meta:
        model = Village
        fields = [
            "id",
            "code",
            "name",
            "township",
            "township_name",
            "kind",
            "is_active",
            "households",
            "population",
            "pilot",
        ]
        read_only_fields = fields
        extra_kwargs = {"is_active": {"help_text": "有效；撤并后的村为 false，不计入试点比例"}}

    @extend_schema_field(VillagePilotSerializer(allow_null=True))
    def get_pilot(self, village):
        # current_pilots is prefetched by selectors.village_list, newest first.
        pilots = village.current_pilots
        return VillagePilotSerializer(pilots[0]).data if pilots else None


# PATCH input: what the village form edits (services.VILLAGE_EDITABLE_FIELDS), each in its JSON
# type only (StrictModelSerializer); the township and anything else in the body are ignored, so a
# village cannot be moved through the API.
class VillageUpdateSerializer(StrictModelSerializer):
    class Meta:
        model = Village
        fields = list(VILLAGE_EDITABLE_FIELDS)


class PilotAssignmentSerializer(serializers.ModelSerializer):
    village_name = serializers.CharField(source="village.name", read_only=True)
    township_name = serializers.CharField(source="village.township.name", read_only=True)
    program = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="试点项目代码")

    class Meta:
        model = PilotAssignment
        fields = [
            "id",
            "village",
            "village_name",
            "township_name",
            "program",
            "year",
            "level",
            "status",
            "provincial_status",
            "provincial_decided_on",
            "approved_at",
            "withdrawn_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "level": {"help_text": "provincial_key（省级重点支持）当且仅当 provincial_status 为 granted"},
            "provincial_status": {
                "help_text": "省级重点支持：none 未申请、applied 已申请、granted 已获批、not_granted 未获批"
            },
            "provincial_decided_on": {"help_text": "省里作出决定的日期；未决定或未记录为 null"},
            "approved_at": {"help_text": "审批时间；未审批为 null"},
            "withdrawn_at": {"help_text": "撤销时间；撤销之前的年度统计仍计入审批过的试点"},
        }


# The stats query: a program visible to the caller and one of its years that has begun. The
# validated data also carries the year's reference date, `as_of` (pilot_admin.dates).
class PilotStatsQuerySerializer(QuerySerializer):
    program = serializers.SlugField(
        max_length=50,
        help_text="试点项目代码",
        error_messages={"required": "请指定试点项目（program）。", "invalid": "试点项目代码只含字母、数字、- 和 _。"},
    )
    year = QueryIntegerField(
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        help_text="统计年度，须在项目起止年度之内，且不晚于今年：往年按该年12月31日统计，今年按今天统计",
        error_messages={
            "required": "请指定年度（year）。",
            "invalid": "年度应为整数，只用阿拉伯数字 0–9 书写，不带正负号、小数点、空格或前导零。",
        },
    )

    def validate_program(self, code):
        program = selectors.program_for_code(user=self.context["request"].user, code=code)
        if program is None:
            # Unknown and out-of-scope codes get the same answer: nothing about other counties leaks.
            raise serializers.ValidationError(f"试点项目“{code}”不存在或不在您的查看范围内。")
        return program

    def validate(self, attrs):
        program, year = attrs["program"], attrs["year"]
        if year not in program.years:
            raise serializers.ValidationError(
                {"year": f"年度应在 {program.start_year}–{program.end_year} 之间（{program.name}）。"}
            )
        today = timezone.localdate()
        if year > today.year:
            raise serializers.ValidationError({"year": f"{year}年尚未开始，没有统计；最晚可查今年（{today.year}年）。"})
        attrs["as_of"] = year_as_of(year, today)
        return attrs


class CountyStatsSerializer(serializers.Serializer):
    villages = serializers.IntegerField(help_text="全县有效行政村数（按现状）")
    new_pilots = serializers.IntegerField(help_text="全县本年度已审批（截至 as_of 未撤销）的新增试点村数")
    province_key = serializers.IntegerField(
        help_text="全县本年度已审批的省级重点支持试点村数，即省里已获批的（同 province_granted，含义未变）"
    )
    province_applied = serializers.IntegerField(
        help_text="全县本年度已审批试点村中申请了省级重点支持的村数（已申请、已获批、未获批）；"
        "meets_province_key_minimum 按此数判断（R-A4 计申请数）"
    )
    province_granted = serializers.IntegerField(help_text="其中省里已获批的村数")
    cumulative_pilots = serializers.IntegerField(help_text="全县截至本年度累计试点村数（不同的村）")
    cumulative_share = serializers.FloatField(help_text="全县累计试点村占有效行政村的比例，保留4位小数")
    meets_yearly_minimum = serializers.BooleanField(help_text="全县是否达到每年试点最少村数")
    meets_province_key_minimum = serializers.BooleanField(
        help_text="全县申请省级重点支持的村数（province_applied）是否达到每年最少村数"
    )


class TownshipStatsSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    villages = serializers.IntegerField(help_text="有效行政村数（按现状）")
    new_pilots = serializers.IntegerField(help_text="本年度已审批（截至 as_of 未撤销）的新增试点村数")
    required_new_pilots = serializers.IntegerField(help_text="按比例折算的本年度最少试点村数")
    meets_quota = serializers.BooleanField(help_text="本乡镇是否达到本年度最少试点村数")
    cumulative_pilots = serializers.IntegerField(help_text="截至本年度累计试点村数（不同的村）")
    cumulative_share = serializers.FloatField(help_text="累计试点村占比，保留4位小数")


# Describes selectors.QuotaReport.as_dict(), which the view returns as is.
class PilotStatsSerializer(serializers.Serializer):
    program = serializers.CharField(help_text="试点项目代码")
    year = serializers.IntegerField()
    as_of = serializers.DateField(
        help_text="统计截止日（as of）：往年为该年12月31日，今年为今天；每个数字都按这一天计算"
    )
    scope = serializers.ChoiceField(
        choices=[("county", "全县各乡镇"), ("township", "本乡镇")],
        help_text="townships 的范围：county 为全县各乡镇（各行之和等于 county）；township 为乡镇用户本乡镇一行",
    )
    # The whole county's figures and verdicts, for every role (each field says 全县).
    county = CountyStatsSerializer()
    townships = TownshipStatsSerializer(many=True)


class PilotNominationSerializer(serializers.ModelSerializer):
    village_name = serializers.CharField(source="village.name", read_only=True)
    township = serializers.IntegerField(source="village.township_id", read_only=True, help_text="乡镇 id")
    township_name = serializers.CharField(source="village.township.name", read_only=True)
    program = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="试点项目代码")

    class Meta:
        model = PilotNomination
        fields = [
            "id",
            "program",
            "year",
            "village",
            "village_name",
            "township",
            "township_name",
            "reason",
            "guidance_category",
            "applies_provincial_support",
            "wishes_demonstration",
            "state",
            "nominated_at",
            "decided_at",
            "return_reason",
            "assignment",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "state": {"help_text": "pending 已申报、returned 已退回、approved 已批准、withdrawn 已撤回"},
            "return_reason": {"help_text": "县里退回的原因；未退回为空字符串"},
            "assignment": {"help_text": "批准后生成的试点村 id（/api/v1/pilot-assignments/）；未批准为 null"},
        }
