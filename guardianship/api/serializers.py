"""Input and output shapes of the guardianship API. Field names are English; names of people
and places stay Chinese; kinds, modes and levels are their stable English values.

ID numbers are always masked in the API, whatever the caller's role: the API serves statistics
and other systems' bulk pulls, where a full number has no use and a leak is costly. Officials
who process an application read the full number on the person's page. Beside a masked number
a record gives the age, never the birth date the mask hides (rules.shown_identity)."""

import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.utils import timezone
from rest_framework import serializers

from guardianship import rules
from guardianship.choices import (
    CivilCapacity,
    Gender,
    GuardianCategory,
    PersonKind,
    PersonStatus,
    SelfCareLevel,
    SupportMode,
)
from guardianship.models import Person
from guardianship.services import PERSON_FIELDS
from pilot_admin.api.inputs import (
    JSONCharField,
    JSONPrimaryKeyRelatedField,
    StrictModelSerializer,
)
from pilot_admin.choices import MonthStatsScope
from villages.api.serializers import TownshipMonthQuerySerializer
from villages.models import Village


class PersonSerializer(serializers.ModelSerializer):
    id_number = serializers.SerializerMethodField(help_text="公民身份号码（脱敏：前6位和后4位）")
    age = serializers.SerializerMethodField(
        help_text="周岁（按今天计算）；未成年人为 null。不提供出生日期：出生日期正是身份证号中被隐去的部分。"
    )
    gender = serializers.ChoiceField(choices=Gender.choices, read_only=True)
    township = serializers.IntegerField(source="village.township_id", read_only=True, help_text="乡镇 id")
    township_name = serializers.CharField(source="village.township.name", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    kind = serializers.ChoiceField(choices=PersonKind.choices, read_only=True)
    civil_capacity = serializers.ChoiceField(choices=CivilCapacity.choices, read_only=True)
    support_mode = serializers.ChoiceField(choices=SupportMode.choices, read_only=True)
    self_care_level = serializers.ChoiceField(
        choices=SelfCareLevel.choices, read_only=True, allow_blank=True, help_text="最近一次评估的结果；未评估为空"
    )
    guardian_category = serializers.ChoiceField(
        choices=GuardianCategory.choices, read_only=True, allow_null=True, help_text="现任监护人的类别；没有为 null"
    )
    status = serializers.ChoiceField(choices=PersonStatus.choices, read_only=True)
    registered_on = serializers.SerializerMethodField(
        help_text="登记日期（北京时间）：月度统计计入登记当月及以后、退出当月及以前的各月"
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "gender",
            "id_number",
            "age",
            "township",
            "township_name",
            "village",
            "village_name",
            "kind",
            "civil_capacity",
            "support_mode",
            "self_care_level",
            "guardian_category",
            "status",
            "registered_on",
            "exit_date",
        ]
        read_only_fields = fields
        extra_kwargs = {"exit_date": {"help_text": "退出日期；在册为 null"}}

    def _identity(self, person):
        return rules.shown_identity(person, full=False, today=timezone.localdate())

    def get_id_number(self, person) -> str:
        return self._identity(person).id_number

    def get_age(self, person) -> int | None:
        return self._identity(person).age

    def get_registered_on(self, person) -> datetime.date:
        return timezone.localdate(person.created_at)


# PATCH input: what the person form edits (services.PERSON_FIELDS), each in its JSON type only
# (StrictModelSerializer). The village must be one the caller works in (another township's id is
# "对象不存在"); status, exit and the derived fields (birth date, gender, township) are not
# settable and are ignored when sent. The ID number is written as stored: 18 ASCII characters,
# an upper-case X (the pages also read full-width digits, as Chinese input methods type them).
class PersonUpdateSerializer(StrictModelSerializer):
    village = JSONPrimaryKeyRelatedField(queryset=Village.objects.none(), required=False)
    id_number = JSONCharField(
        max_length=18,
        validators=[RegexValidator(r"^[0-9]{17}[0-9X]\Z", "公民身份号码应为18位，前17位为数字，末位为数字或大写 X。")],
    )

    class Meta:
        model = Person
        fields = list(PERSON_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        self.fields["village"].queryset = (
            Village.objects.township_work_by(user) if user is not None else Village.objects.none()
        )

    def validate_id_number(self, value):
        # The birth date and check character, on the field they concern.
        try:
            return rules.parse_id_number(value).number
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error


# The stats query: a month (this month by default) and optionally a visible township.
class GuardianshipStatsQuerySerializer(TownshipMonthQuerySerializer):
    """The query of GET /api/v1/stats/guardianship/."""


class SupportModeCountsSerializer(serializers.Serializer):
    concentrated = serializers.IntegerField(help_text="集中供养人数")
    dispersed = serializers.IntegerField(help_text="分散供养人数")


class SelfCareCountsSerializer(serializers.Serializer):
    full = serializers.IntegerField(help_text="全自理人数")
    partial = serializers.IntegerField(help_text="半失能人数")
    none = serializers.IntegerField(help_text="全失能人数")


GuardianCategoryCountsSerializer = type(
    "GuardianCategoryCountsSerializer",
    (serializers.Serializer,),
    {
        "__module__": __name__,
        "I": serializers.IntegerField(help_text="Ⅰ类监护人数"),
        "II": serializers.IntegerField(help_text="Ⅱ类监护人数"),
        "III": serializers.IntegerField(help_text="Ⅲ类监护人数"),
        "missing": serializers.IntegerField(help_text="无、限制民事行为能力而没有现任监护人的人数"),
    },
)


class TownshipGuardianshipSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    persons_active = serializers.IntegerField(help_text="当月在册人数")
    dispersed_total = serializers.IntegerField(help_text="当月应走访的分散供养人数")
    dispersed_visited = serializers.IntegerField(help_text="当月已按要求走访的人数")
    visit_coverage = serializers.FloatField(help_text="走访覆盖率，保留4位小数；无应走访人员为 0")


# Describes selectors.GuardianshipStats.as_dict(), which the view returns as is.
class GuardianshipStatsSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="统计月份 YYYY-MM")
    as_of = serializers.DateField(help_text="统计截止日（as of）：往月为该月最后一天，本月为今天")
    scope = serializers.ChoiceField(
        choices=MonthStatsScope.choices,
        help_text="统计范围：county 全县；township 乡镇用户本乡镇，或指定 township 参数时的该乡镇",
    )
    persons_active = serializers.IntegerField(help_text="当月在册人数（当月退出的仍计入）")
    support_mode = SupportModeCountsSerializer()
    self_care_level = SelfCareCountsSerializer()
    guardian_category = GuardianCategoryCountsSerializer()
    agreements_missing = serializers.IntegerField(help_text="未签订监护照料协议的现任监护人数")
    dispersed_visited = serializers.IntegerField(help_text="当月已按要求走访的分散供养人数")
    dispersed_total = serializers.IntegerField(help_text="当月应走访的分散供养人数")
    visit_coverage = serializers.FloatField(help_text="走访覆盖率，保留4位小数；无应走访人员为 0")
    townships = TownshipGuardianshipSerializer(many=True)
