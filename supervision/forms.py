"""Input shapes of the supervision pages. Each form feeds one service, which owns every rule."""

from django import forms
from django.utils import timezone

from pilot_admin.uploads import ATTACHMENT_TYPES
from supervision import rules
from supervision.choices import (
    Assembly,
    CadrePost,
    Duty,
    Exclusion,
    FeedbackChannel,
    Gender,
    Nomination,
    Relation,
    Subgroup,
)
from villages.models import Village

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date(label, **kwargs):
    return forms.DateField(label=label, widget=DATE_INPUT, **kwargs)


class VillageChoiceMixin:
    def _villages(self, user):
        self.fields["village"].queryset = Village.objects.township_work_by(user).select_related("township")
        self.fields["village"].label_from_instance = lambda village: f"{village.township.name} · {village.name}"


class PersonForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    gender = forms.ChoiceField(label="性别", choices=[("", "—"), *Gender.choices], required=False)
    id_number = forms.CharField(
        label="公民身份号码", max_length=18, required=False, help_text="可不填；填写时出生日期和性别由号码得出。"
    )
    birth_date = _date("出生日期", required=False)


class CadreForm(VillageChoiceMixin, PersonForm):
    village = forms.ModelChoiceField(label="村（居）", queryset=Village.objects.none())
    post = forms.ChoiceField(label="职务", choices=CadrePost.choices)
    is_party_member = forms.BooleanField(label="中共党员", required=False)
    term_start = _date("任职开始日期")
    term_end = _date("任职结束日期", required=False, help_text="现任的留空。")

    field_order = ["village", "name", "post", "gender", "id_number", "birth_date", "is_party_member"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._villages(user)


class RelativeForm(PersonForm):
    relation = forms.ChoiceField(label="与该村干部的关系", choices=Relation.choices)

    field_order = ["name", "relation"]


class CommitteeForm(VillageChoiceMixin, forms.Form):
    village = forms.ModelChoiceField(label="村（居）", queryset=Village.objects.none())
    term_start = _date("任期开始日期", help_text="与本届村委会任期相同。")
    term_end = _date("任期届满日期")
    seats = forms.IntegerField(label="应选人数", min_value=1, max_value=20, initial=3)
    scheduled_on = _date("计划选举日期")
    is_pilot = forms.BooleanField(label="试点村", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._villages(user)


class CandidateForm(PersonForm):
    nomination = forms.ChoiceField(label="提名方式", choices=Nomination.choices)
    is_resident = forms.BooleanField(label="本村常住人口", required=False, initial=True)
    is_party_member = forms.BooleanField(label="中共党员", required=False)
    has_unexpired_sanction = forms.BooleanField(
        label="有未满期的处分或刑罚", required=False, help_text="含参与邪教、非法宗教活动或组织非法上访。"
    )


class DocumentMixin(forms.Form):
    document = forms.FileField(
        label="本步骤材料",
        required=False,
        help_text="可选：PDF、图片、Word 或 Excel。",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ATTACHMENT_TYPES)}),
    )


class NominateForm(DocumentMixin):
    nominated_on = _date("提名截止日期", initial=timezone.localdate)


class VetForm(DocumentMixin):
    vetted_on = _date("村党支部审查日期", initial=timezone.localdate)
    formal = forms.ModelMultipleChoiceField(
        label="正式候选人", queryset=None, widget=forms.CheckboxSelectMultiple, help_text="勾选审查通过的候选人。"
    )

    def __init__(self, *args, election, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["formal"].queryset = election.candidates.order_by("name")
        self.fields["formal"].label_from_instance = lambda candidate: candidate.name


class ApproveForm(DocumentMixin):
    approved_on = _date("乡镇党委审核批准日期", initial=timezone.localdate)
    reference = forms.CharField(label="批准文号", max_length=100, required=False)


class HoldForm(DocumentMixin):
    held_on = _date("选举日期", initial=timezone.localdate)
    assembly = forms.ChoiceField(label="选举会议", choices=Assembly.choices, initial=Assembly.REPRESENTATIVES)
    representatives_total = forms.IntegerField(label="应到人数", min_value=1)
    representatives_present = forms.IntegerField(label="实到人数", min_value=0)

    def __init__(self, *args, election, **kwargs):
        super().__init__(*args, **kwargs)
        self.formal = list(election.candidates.filter(is_formal=True).order_by("name"))
        for candidate in self.formal:
            self.fields[f"votes_{candidate.pk}"] = forms.IntegerField(label=f"{candidate.name} 得票", min_value=0)
        # The document last, after the votes.
        self.fields["document"] = self.fields.pop("document")

    def votes(self) -> dict[int, int]:
        return {candidate.pk: self.cleaned_data[f"votes_{candidate.pk}"] for candidate in self.formal}


class ChairForm(DocumentMixin):
    chosen_on = _date("推选主任日期", initial=timezone.localdate)
    chair = forms.ModelChoiceField(label="主任", queryset=None, help_text="从当选成员中推选；一般由党员担任。")

    def __init__(self, *args, election, **kwargs):
        super().__init__(*args, **kwargs)
        members = election.committee.members.filter(removed_on__isnull=True).order_by("name")
        self.members = list(members)
        self.fields["chair"].queryset = members
        self.fields["chair"].label_from_instance = lambda m: f"{m.name}{'（党员）' if m.is_party_member else ''}"
        for member in self.members:
            self.fields[f"subgroup_{member.pk}"] = forms.ChoiceField(
                label=f"{member.name} 所在小组", choices=[("", "—"), *Subgroup.choices], required=False
            )
        self.fields["document"] = self.fields.pop("document")

    def subgroups(self) -> dict[int, str]:
        return {member.pk: self.cleaned_data[f"subgroup_{member.pk}"] for member in self.members}


class FileForm(DocumentMixin):
    filed_on = _date("报乡镇纪委备案日期", initial=timezone.localdate)
    reference = forms.CharField(label="备案编号", max_length=100, required=False)


class ExceptionForm(forms.Form):
    exclusion = forms.ChoiceField(
        label="例外的条件", choices=[(v, label) for v, label in Exclusion.choices if v not in rules.NOT_EXCEPTABLE]
    )
    reason = forms.CharField(label="例外理由", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


class MemberRemoveForm(forms.Form):
    removed_on = _date("撤换日期", initial=timezone.localdate)
    assembly = forms.ChoiceField(label="决定撤换的会议", choices=Assembly.choices)
    reason = forms.CharField(
        label="撤换原因", max_length=300, help_text="违法乱纪、严重失职等。", widget=forms.Textarea(attrs={"rows": 3})
    )


class MeetingForm(forms.Form):
    held_on = _date("会议日期", initial=timezone.localdate)
    attendees = forms.ModelMultipleChoiceField(label="出席成员", queryset=None, widget=forms.CheckboxSelectMultiple)
    matters = forms.CharField(label="议题", widget=forms.Textarea(attrs={"rows": 3}))
    minutes = forms.CharField(label="会议记录", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    subject = forms.CharField(label="表决事项", max_length=300, required=False, help_text="没有表决的留空。")
    votes_for = forms.IntegerField(label="赞成", min_value=0, required=False)
    votes_against = forms.IntegerField(label="反对", min_value=0, required=False)
    abstentions = forms.IntegerField(label="弃权", min_value=0, required=False)

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = committee.members.filter(removed_on__isnull=True).order_by("role", "name")
        self.fields["attendees"].label_from_instance = lambda m: f"{m.name}（{m.get_role_display()}）"

    def clean(self):
        data = super().clean()
        if data.get("subject") and data.get("votes_for") is None:
            self.add_error("votes_for", "有表决事项时请填写赞成票数。")
        return data

    def decisions(self) -> list[dict]:
        data = self.cleaned_data
        if not data.get("subject"):
            return []
        return [
            {
                "subject": data["subject"],
                "votes_for": data["votes_for"] or 0,
                "votes_against": data["votes_against"] or 0,
                "abstentions": data["abstentions"] or 0,
            }
        ]


class ExpenseReviewForm(forms.Form):
    period_start = _date("期间开始", help_text="按月复核填当月1日；按季复核填季度第一天。")
    reviewed_on = _date("复核日期", initial=timezone.localdate)
    vouchers_reviewed = forms.IntegerField(label="复核票据张数", min_value=0)
    vouchers_stamped = forms.IntegerField(label="盖章票据张数", min_value=0)
    amount_yuan = forms.DecimalField(label="复核金额（元）", min_value=0, decimal_places=2, required=False)
    refused = forms.CharField(
        label="退回票据",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一张：票据号或摘要，空格或冒号后写退回原因。",
    )
    notes = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def refusals(self) -> list[dict]:
        rows = []
        for line in (self.cleaned_data.get("refused") or "").splitlines():
            line = line.strip()
            if not line:
                continue
            for separator in ("：", ":", " ", "\u3000"):
                if separator in line:
                    voucher, reason = line.split(separator, 1)
                    break
            else:
                voucher, reason = line, ""
            rows.append({"voucher": voucher.strip(), "reason": reason.strip()})
        return rows


class MatterForm(forms.Form):
    raised_on = _date("受理日期", initial=timezone.localdate)
    duty = forms.ChoiceField(label="监督内容", choices=Duty.choices)
    matter = forms.CharField(
        label="事项",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="村民反映的意见建议，或监委会在监督中发现的问题。",
    )


class MatterFeedbackForm(forms.Form):
    findings = forms.CharField(label="调查情况", widget=forms.Textarea(attrs={"rows": 3}))
    feedback = forms.CharField(label="反馈内容", widget=forms.Textarea(attrs={"rows": 3}))
    fed_back_on = _date("反馈日期", initial=timezone.localdate)
    channel = forms.ChoiceField(label="反馈方式", choices=FeedbackChannel.choices)


def _this_year():
    return timezone.localdate().year


class AnnualReportForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100, initial=_this_year)
    reported_on = _date("报告日期")
    assembly = forms.ChoiceField(
        label="报告会议", choices=Assembly.choices, help_text="向村党组织和村民会议或村民代表会议报告。"
    )
    summary = forms.CharField(label="工作报告", widget=forms.Textarea(attrs={"rows": 5}))


class EvaluationForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100, initial=_this_year)
    evaluated_on = _date("评议日期")
    participants = forms.IntegerField(label="参评人数", min_value=1)
    satisfied = forms.IntegerField(label="满意", min_value=0)
    basically_satisfied = forms.IntegerField(label="基本满意", min_value=0, required=False)
    unsatisfied = forms.IntegerField(label="不满意", min_value=0, required=False)
    published_on = _date("结果公布日期", required=False, help_text="评议结果向村民公布的日期；尚未公布的留空。")


class PilotPlanForm(forms.Form):
    name = forms.CharField(label="方案名称", max_length=200)
    source_document = forms.CharField(label="依据文件", max_length=200, required=False, help_text="文件名称和文号。")
    pilots_min = forms.IntegerField(label="每个乡镇试点村下限", min_value=1, initial=1)
    pilots_max = forms.IntegerField(label="每个乡镇试点村上限", min_value=1, initial=2)
    pilot_start = _date("试点开始日期")
    pilot_end = _date("试点结束日期")
    rollout_deadline = _date("全面推广完成日期", help_text="结合村委会换届，全部村建立村务监督委员会的期限。")
