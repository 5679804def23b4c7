"""Output and query shapes of the supervision API. Members are given by name, role and
sub-group, as the village notice board shows them (R-J14 publicity); their birth dates and ID
numbers, which only the eligibility checks need, never leave the pages."""

from rest_framework import serializers

from pilot_admin.choices import MonthStatsScope
from supervision.choices import CommitteeStatus, MemberRole, ReviewInterval, Subgroup
from supervision.models import Committee, CommitteeMember
from villages.api.serializers import TownshipMonthQuerySerializer


class MemberSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=MemberRole.choices, read_only=True, help_text="chair 主任 / member 委员")
    subgroup = serializers.ChoiceField(
        choices=Subgroup.choices, read_only=True, allow_blank=True, help_text="transparency / assets；未分组为空"
    )

    class Meta:
        model = CommitteeMember
        fields = ["id", "name", "role", "subgroup", "is_party_member", "elected_on", "removed_on"]
        read_only_fields = fields


class CommitteeSerializer(serializers.ModelSerializer):
    township = serializers.IntegerField(source="village.township_id", read_only=True, help_text="乡镇 id")
    township_name = serializers.CharField(source="village.township.name", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    status = serializers.ChoiceField(
        choices=CommitteeStatus.choices,
        read_only=True,
        help_text="electing 选举中 / active 在任 / ended 已届满 / dissolved 已撤销",
    )
    election_status = serializers.SerializerMethodField(
        help_text="选举进度（preparing…filed，invalid）；无选举记录为 null"
    )
    members = serializers.SerializerMethodField(help_text="在任及已撤换的成员（按职务、姓名）")

    class Meta:
        model = Committee
        fields = [
            "id",
            "township",
            "township_name",
            "village",
            "village_name",
            "term_start",
            "term_end",
            "status",
            "is_pilot",
            "established_on",
            "dissolved_on",
            "election_status",
            "members",
        ]
        read_only_fields = fields

    def get_election_status(self, committee) -> str | None:
        election = getattr(committee, "election", None)
        return election.status if election is not None else None

    def get_members(self, committee) -> list[dict]:
        return MemberSerializer(committee.members.all(), many=True).data


class SupervisionStatsQuerySerializer(TownshipMonthQuerySerializer):
    """The query of GET /api/v1/stats/supervision/."""


class _Figures(serializers.Serializer):
    villages = serializers.IntegerField(help_text="as_of 当日存在的村（居）数")
    pilot_villages = serializers.IntegerField(help_text="试点村数（R-J1：每个乡镇1—2个）")
    established = serializers.IntegerField(help_text="已成立（备案）且在任的监委会数")
    due_for_reelection = serializers.IntegerField(help_text="任期将在本县提醒天数内届满的监委会数")
    overdue = serializers.IntegerField(help_text="任期已届满而新一届尚未备案的监委会数")
    electing = serializers.IntegerField(help_text="正在选举（尚未备案）的监委会数")
    meetings_due = serializers.IntegerField(help_text="当月应开会的监委会数")
    meetings_done = serializers.IntegerField(help_text="当月已开会的监委会数（应开会者中）")
    meetings_held = serializers.IntegerField(help_text="当月召开的会议次数")
    reviews_due = serializers.IntegerField(help_text="当期应复核财务支出的监委会数")
    reviews_done = serializers.IntegerField(help_text="当期已复核（复核日期不晚于 as_of）的监委会数")
    coverage = serializers.FloatField(help_text="推广覆盖率：已成立 ÷ 村（居）数，保留4位小数")
    meeting_rate = serializers.FloatField(help_text="当月开会率：已开会 ÷ 应开会")
    review_rate = serializers.FloatField(help_text="当期复核率：已复核 ÷ 应复核")


class TownshipSupervisionSerializer(_Figures):
    id = serializers.IntegerField()
    name = serializers.CharField()
    county = serializers.IntegerField(help_text="县 id")
    pilot_in_range = serializers.BooleanField(
        help_text="试点村数是否在本县试点方案规定的范围内（未定方案时为1—2个，R-J1）"
    )


class CountySupervisionSerializer(_Figures):
    id = serializers.IntegerField()
    name = serializers.CharField()
    review_interval = serializers.ChoiceField(choices=ReviewInterval.choices, help_text="本县财务支出复核周期")
    review_period_start = serializers.DateField(help_text="当月所在复核期间的第一天（按月为当月1日，按季为季度第一天）")


# Describes statistics.SupervisionStats.as_dict(), which the view returns as is.
class SupervisionStatsSerializer(_Figures):
    month = serializers.CharField(help_text="统计月份 YYYY-MM")
    as_of = serializers.DateField(help_text="统计截止日：往月为该月最后一天，本月为今天")
    scope = serializers.ChoiceField(
        choices=MonthStatsScope.choices,
        help_text="统计范围：county 全县；township 乡镇用户本乡镇，或指定 township 参数时的该乡镇",
    )
    counties = CountySupervisionSerializer(many=True)
    townships = TownshipSupervisionSerializer(many=True)
