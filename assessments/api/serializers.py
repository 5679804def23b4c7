"""Output shapes of the assessments API. Field names are English; place names stay Chinese;
grades and statuses are their stable English values."""

from rest_framework import serializers

from assessments.choices import Grade, InspectionStatus
from assessments.models import Inspection


class InspectionSerializer(serializers.ModelSerializer):
    village = serializers.IntegerField(source="pilot.village_id", read_only=True, help_text="村 id")
    village_name = serializers.CharField(source="pilot.village.name", read_only=True)
    township_name = serializers.CharField(source="pilot.village.township.name", read_only=True)
    total = serializers.DecimalField(
        max_digits=4, decimal_places=1, read_only=True, allow_null=True, help_text="总分；未评完为 null"
    )
    grade = serializers.ChoiceField(
        choices=Grade.choices, read_only=True, allow_blank=True, help_text="等次；未评完为空"
    )
    status = serializers.ChoiceField(choices=InspectionStatus.choices, read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "village",
            "village_name",
            "township_name",
            "year",
            "total",
            "grade",
            "status",
            "original",
            "inspected_on",
            "confirmed_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "original": {"help_text": "复查时为原检查的 id；原检查为 null"},
            "inspected_on": {"help_text": "检查日期；复查自这一天起计入统计（未填写的按确认时间）"},
            "confirmed_at": {"help_text": "确认时间；未确认为 null"},
        }


def _grade_fields() -> dict:
    return {
        "excellent": serializers.IntegerField(help_text="优秀村数"),
        "pass": serializers.IntegerField(help_text="合格村数"),
        "fail": serializers.IntegerField(help_text="不合格村数"),
    }


# "pass" is a Python keyword, so these two are built with type() rather than a class statement.
GradeCountsSerializer = type(
    "GradeCountsSerializer", (serializers.Serializer,), {"__module__": __name__, **_grade_fields()}
)

TownshipAssessmentSerializer = type(
    "TownshipAssessmentSerializer",
    (serializers.Serializer,),
    {
        "__module__": __name__,
        "id": serializers.IntegerField(),
        "name": serializers.CharField(),
        "inspected": serializers.IntegerField(help_text="已确认检查的试点村数"),
        "mean_total": serializers.FloatField(allow_null=True, help_text="平均分，保留1位小数"),
        **_grade_fields(),
    },
)


# Describes selectors.AssessmentStats.as_dict(), which the view returns as is.
class AssessmentStatsSerializer(serializers.Serializer):
    program = serializers.CharField(help_text="试点项目代码")
    year = serializers.IntegerField()
    as_of = serializers.DateField(
        help_text="统计截止日（as of）：往年为该年12月31日，今年为今天；每个数字都按这一天计算"
    )
    scope = serializers.ChoiceField(
        choices=[("county", "全县"), ("township", "本乡镇"), ("team", "本检查组")],
        help_text="统计范围：county 全县；township 乡镇用户本乡镇；team 检查组成员本人所在检查组的检查",
    )
    inspected = serializers.IntegerField(help_text="已确认检查的试点村数（复查日期不晚于 as_of 的以复查结果为准）")
    mean_total = serializers.FloatField(allow_null=True, help_text="平均分，保留1位小数；没有结果时为 null")
    grades = GradeCountsSerializer()
    townships = TownshipAssessmentSerializer(many=True)
    open_rectifications = serializers.IntegerField(
        help_text=(
            "本年度已确认的检查（含截至 as_of 的复查）提出、截至 as_of 尚未验收的整改项目数；部门用户只计本单位负责的"
        )
    )
