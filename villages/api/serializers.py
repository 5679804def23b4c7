"""Input and output shapes of the villages API. Field names are English; values such as place
names stay Chinese; levels and statuses are their stable English values."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pilot_admin.api.inputs import QueryIntegerField, QueryMonthField, QuerySerializer, StrictModelSerializer
from pilot_admin.dates import year_as_of
from pilot_admin.filters import ID_MAX, YEAR_MAX, YEAR_MIN
from villages import selectors
from villages.choices import PilotLevel, PilotStatus, StatsScope, VillageStatus
from villages.models import PilotAssignment, PilotNomination, Township, Village
from villages.services import VILLAGE_EDITABLE_FIELDS

# How DRF writes a date and a time (ISO 8601, the time in the current time zone), for the lists
# that write their rows out (row_representation) rather than walk their fields.
_date = serializers.DateField().to_representation
_datetime = serializers.DateTimeField().to_representation


class TownshipSerializer(serializers.ModelSerializer):
    village_count = serializers.IntegerField(read_only=True, help_text="现有行政村数（今天的：不含已撤并的村和社区）")

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
    status = serializers.ChoiceField(
        choices=VillageStatus.choices, read_only=True, help_text="现状：active 现存；merged 已撤并（见 ended_on）"
    )
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
            "status",
            "is_active",
            "established_on",
            "ended_on",
            "community_since",
            "households",
            "population",
            "pilot",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "is_active": {"help_text": "有效；撤并后的村为 false（与 status 一致）"},
            "kind": {"help_text": "现在的类型；村改社区的日期见 community_since"},
            "established_on": {"help_text": "设立日期；null 表示建档前已有，各年度都计入"},
            "ended_on": {"help_text": "撤并日期；null 表示仍存在。自该日起不再计入行政村数"},
            "community_since": {"help_text": "村改社区日期；自该日起不再计为行政村。社区为 null 表示建档前已是社区"},
        }

    @extend_schema_field(VillagePilotSerializer(allow_null=True))
    def get_pilot(self, village):
        return _pilot(village.current_pilot)

    # The list's rows (ScopedReadOnlyViewSet.list): the columns read and each row written out as
    # the fields above write the record; tests/villages/test_api.py holds the two equal.
    row_fields = (
        "id",
        "code",
        "name",
        "township_id",
        "township__name",
        "kind",
        "is_active",
        "established_on",
        "ended_on",
        "community_since",
        "households",
        "population",
        "current_pilot",
    )

    @staticmethod
    def row_representation(row: dict) -> dict:
        return {
            "id": row["id"],
            "code": row["code"],
            "name": row["name"],
            "township": row["township_id"],
            "township_name": row["township__name"],
            "kind": row["kind"],
            "status": str(Village.status_for(ended_on=row["ended_on"])),
            "is_active": row["is_active"],
            "established_on": _date(row["established_on"]),
            "ended_on": _date(row["ended_on"]),
            "community_since": _date(row["community_since"]),
            "households": row["households"],
            "population": row["population"],
            "pilot": _pilot(row["current_pilot"]),
        }


def _pilot(pilot: dict | None) -> dict | None:
    # selectors.village_api_list's `current_pilot`, a JSON object (its keys in no set order).
    if pilot is None:
        return None
    return {"program": pilot["program"], "year": pilot["year"], "level": pilot["level"], "status": pilot["status"]}


# PATCH input: what the village form edits (services.VILLAGE_EDITABLE_FIELDS), each in its JSON
# type only (StrictModelSerializer); the township and anything else in the body are ignored, so a
# village cannot be moved through the API. The kind is not an input: it changes on a date (村改社区,
# villages/services_history.py), which a PATCH has no way to state, so a body asking for another
# kind is refused rather than silently ignored.
class VillageUpdateSerializer(StrictModelSerializer):
    class Meta:
        model = Village
        fields = [name for name in VILLAGE_EDITABLE_FIELDS if name != "kind"]

    def validate(self, attrs):
        asked = self.initial_data.get("kind") if isinstance(self.initial_data, dict) else None
        if asked is not None and (self.instance is None or asked != self.instance.kind):
            raise serializers.ValidationError(
                {"kind": "村的类型不能通过接口修改：行政村改为社区请在村页面“历史沿革”中记录“村改社区”及其日期。"}
            )
        return super().validate(attrs)


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
            "accepted_on",
            "acceptance_document_no",
            "is_demonstration",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "status": {
                "help_text": "proposed 拟定；approved 已审批；"
                "accepted 已验收（销号，仍是其试点年度的试点，计入各项名额统计）；withdrawn 撤销"
            },
            "accepted_on": {"help_text": "验收日期；未验收为 null（撤销验收后亦为 null）"},
            "acceptance_document_no": {"help_text": "验收文号，如“巴民发〔2018〕12号”；未验收为空字符串"},
            "is_demonstration": {"help_text": "试点示范村（R-A7）：已验收且检查验收等次为优秀的试点村由县里命名"},
            "level": {"help_text": "provincial_key（省级重点支持）当且仅当 provincial_status 为 granted"},
            "provincial_status": {
                "help_text": "省级重点支持：none 未申请、applied 已申请、granted 已获批、not_granted 未获批"
            },
            "provincial_decided_on": {"help_text": "省里作出决定的日期；未决定或未记录为 null"},
            "approved_at": {"help_text": "审批时间；未审批为 null"},
            "withdrawn_at": {"help_text": "撤销时间；撤销之前的年度统计仍计入审批过的试点"},
        }

    # The list's rows, as VillageSerializer's (and tested equal the same way).
    row_fields = (
        "id",
        "village_id",
        "village__name",
        "village__township__name",
        "program__code",
        "year",
        "level",
        "status",
        "provincial_status",
        "provincial_decided_on",
        "approved_at",
        "withdrawn_at",
        "accepted_on",
        "acceptance_document_no",
        "is_demonstration",
    )

    @staticmethod
    def row_representation(row: dict) -> dict:
        return {
            "id": row["id"],
            "village": row["village_id"],
            "village_name": row["village__name"],
            "township_name": row["village__township__name"],
            "program": row["program__code"],
            "year": row["year"],
            "level": row["level"],
            "status": row["status"],
            "provincial_status": row["provincial_status"],
            "provincial_decided_on": _date(row["provincial_decided_on"]),
            "approved_at": _datetime(row["approved_at"]),
            "withdrawn_at": _datetime(row["withdrawn_at"]),
            "accepted_on": _date(row["accepted_on"]),
            "acceptance_document_no": row["acceptance_document_no"],
            "is_demonstration": row["is_demonstration"],
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
    new_pilots = serializers.IntegerField(help_text="全县本年度已审批（含已验收；截至 as_of 未撤销）的新增试点村数")
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
    accepted_pilots = serializers.IntegerField(
        help_text="全县累计试点村中截至 as_of 已验收（销号）的村数；已验收的试点仍计入新增和累计"
    )


class TownshipStatsSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    villages = serializers.IntegerField(
        help_text="as_of 时存在、且当时是行政村的村数（村的设立、撤并、村改社区按日期计）"
    )
    new_pilots = serializers.IntegerField(help_text="本年度已审批（含已验收；截至 as_of 未撤销）的新增试点村数")
    required_new_pilots = serializers.IntegerField(help_text="按比例折算的本年度最少试点村数")
    meets_quota = serializers.BooleanField(help_text="本乡镇是否达到本年度最少试点村数")
    cumulative_pilots = serializers.IntegerField(help_text="截至本年度累计试点村数（不同的村）")
    cumulative_share = serializers.FloatField(help_text="累计试点村占比，保留4位小数")
    accepted_pilots = serializers.IntegerField(help_text="累计试点村中截至 as_of 已验收（销号）的村数")


# Describes selectors.QuotaReport.as_dict(), which the view returns as is.
class PilotStatsSerializer(serializers.Serializer):
    program = serializers.CharField(help_text="试点项目代码")
    year = serializers.IntegerField()
    as_of = serializers.DateField(
        help_text="统计截止日（as of）：往年为该年12月31日，今年为今天；每个数字都按这一天计算"
    )
    scope = serializers.ChoiceField(
        choices=StatsScope.choices,
        help_text="townships 的范围：county 为全县各乡镇（各行之和等于 county）；township 为乡镇用户本乡镇一行",
    )
    # The whole county's figures and verdicts, for every role (each field says 全县).
    county = CountyStatsSerializer()
    townships = TownshipStatsSerializer(many=True)


class StandardsQuerySerializer(PilotStatsQuerySerializer):
    """The pilot stats query plus an optional township (one the caller sees)."""

    township = QueryIntegerField(required=False, min_value=1, help_text="只看该乡镇（须在查看范围内）")

    def validate_township(self, value):
        township = Township.objects.visible_to(self.context["request"].user).filter(pk=value).first()
        if township is None:
            raise serializers.ValidationError(f"乡镇 {value} 不存在或不在您的查看范围内。")
        return township


class StandardSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="标准编号，如 R-B1")
    goal = serializers.CharField(help_text="所属目标（英文值）")
    title = serializers.CharField()
    metric = serializers.CharField(help_text="评价方法（英文值）")
    threshold = serializers.FloatField(help_text="单村达标门槛")
    threshold_text = serializers.CharField(help_text="门槛的中文写法，如 ≥ 600平方米")
    unit = serializers.CharField(allow_blank=True)
    applies_to = serializers.ChoiceField(choices=[("all_pilots", "全部试点村"), ("poverty_pilots", "贫困村试点村")])
    due_year = serializers.IntegerField(allow_null=True, help_text="考核年度；null 表示每年考核")
    due = serializers.BooleanField(help_text="本年度是否已到考核年度")
    target_rate = serializers.FloatField(help_text="覆盖率目标（0–1）")
    waivable = serializers.BooleanField(help_text="“原则上”：可说明理由豁免")
    quote = serializers.CharField(allow_blank=True, help_text="方案原文")


class StandardCoverageSerializer(serializers.Serializer):
    code = serializers.CharField()
    applicable = serializers.IntegerField(help_text="适用该标准的试点村数")
    reported = serializers.IntegerField(help_text="其中有已确认指标的村数")
    met = serializers.IntegerField(help_text="其中达标的村数")
    rate = serializers.FloatField(allow_null=True, help_text="达标 ÷ 适用，保留4位小数；无适用村为 null")
    target_rate = serializers.FloatField()
    due = serializers.BooleanField()
    verdict = serializers.ChoiceField(
        choices=[("met", "达标"), ("not_met", "未达标"), ("not_due", "未到期"), ("no_pilots", "无适用试点村")]
    )


class StandardsAreaSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="乡镇 id；全县为 null")
    name = serializers.CharField()
    pilots = serializers.IntegerField(help_text="本年度计入的试点村数")
    standards = StandardCoverageSerializer(many=True)


class CheckItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.ChoiceField(choices=[("met", "达标"), ("not_met", "未达标"), ("not_reported", "未填报")])
    value = serializers.CharField(help_text="本村的值（中文写法）")
    due = serializers.BooleanField()
    binding = serializers.BooleanField(
        help_text="本村本年必须达到：已到期且覆盖率目标为100%（如50%的目标只看全县覆盖率，不要求每个村）"
    )


class StandardsVillageSerializer(serializers.Serializer):
    assignment = serializers.IntegerField(help_text="试点村（pilot-assignments）id")
    village_id = serializers.IntegerField()
    village = serializers.CharField()
    township = serializers.CharField()
    pilot_year = serializers.IntegerField()
    all_met = serializers.BooleanField(help_text="本村必须达到（binding）的标准是否全部达标")
    standards = CheckItemSerializer(many=True)


# Describes villages.standards.StandardsReport.as_dict(), which the view returns as is.
class StandardsStatsSerializer(serializers.Serializer):
    program = serializers.CharField()
    year = serializers.IntegerField()
    as_of = serializers.DateField(help_text="统计截止日：往年为该年12月31日，今年为今天")
    scope = serializers.ChoiceField(choices=StatsScope.choices)
    standards = StandardSerializer(many=True)
    county = StandardsAreaSerializer(help_text="全县的数字和结论（各角色相同）")
    townships = StandardsAreaSerializer(many=True)
    villages = StandardsVillageSerializer(many=True)


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


class TownshipMonthQuerySerializer(QuerySerializer):
    """The query of a month's statistics (guardianship, supervision): a month, this month by
    default and never a later one, and optionally one township the caller can see."""

    month = QueryMonthField(required=False, help_text="统计月份 YYYY-MM，默认本月")
    township = QueryIntegerField(required=False, min_value=1, max_value=ID_MAX, help_text="乡镇 id；不填为全部可见乡镇")

    def validate_month(self, month):
        if month > timezone.localdate().replace(day=1):
            raise serializers.ValidationError("月份不能晚于本月。")
        return month

    def validate_township(self, value):
        township = Township.objects.visible_to(self.context["request"].user).filter(pk=value).first()
        if township is None:
            # Unknown and out-of-scope ids get the same answer: nothing about other townships leaks.
            raise serializers.ValidationError("乡镇不存在或不在您的查看范围内。")
        return township

    def validate(self, attrs):
        attrs.setdefault("month", timezone.localdate().replace(day=1))
        return attrs
