"""Input shapes of the assessments pages. The rules (sums, half points, reasons, who may act,
locking) are the services'; these forms only read the fields and offer scoped choices."""

from decimal import Decimal

from django import forms

from assessments.models import ScoreItem
from assessments.services import ScoreInput
from pilot_admin.choices import Role
from pilot_admin.locking import VersionedFormMixin
from pilot_admin.models import User
from villages.choices import PilotStatus
from villages.models import PilotAssignment


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def inspector_choices(user):
    """Inspector accounts of the user's county: the only people a team may hold."""
    return User.objects.filter(role=Role.INSPECTOR, is_active=True, county=user.county_id).order_by("username")


class TemplateItemForm(forms.Form):
    section_title = forms.CharField(label="部分", max_length=100, help_text="如“（一）治理机制”；新名称即新建一部分。")
    code = forms.CharField(label="编号", max_length=10)
    title = forms.CharField(label="评分项目", max_length=300)
    guidance = forms.CharField(label="评分说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    max_points = forms.DecimalField(
        label="满分", max_digits=4, widget=forms.NumberInput(attrs={"step": "0.5", "min": "0.5"})
    )


class TemplateCopyForm(forms.Form):
    year = forms.IntegerField(label="新年度", min_value=2000, max_value=2100)


class ScheduleForm(forms.Form):
    pilot = forms.ModelChoiceField(label="试点村", queryset=PilotAssignment.objects.none())
    year = forms.IntegerField(label="检查年度", min_value=2000, max_value=2100)
    inspectors = forms.ModelMultipleChoiceField(
        label="检查组成员", queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    outside_members = forms.CharField(
        label="外聘成员", max_length=300, required=False, help_text="姓名和单位，用顿号分隔。"
    )
    inspected_on = forms.DateField(label="计划检查日期", required=False, widget=_date_input())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pilot"].queryset = (
            PilotAssignment.objects.editable_by(user)
            .filter(status=PilotStatus.APPROVED)
            .select_related("village__township", "program")
            .order_by("village__township__name", "village__name", "year")
        )
        self.fields["pilot"].label_from_instance = lambda p: (
            f"{p.village.township.name} · {p.village.name}（{p.year}年试点，{p.get_level_display()}）"
        )
        self.fields["inspectors"].queryset = inspector_choices(user)
        self.fields["inspectors"].label_from_instance = lambda u: f"{u}（{u.username}）"


class ReinspectionForm(forms.Form):
    inspectors = forms.ModelMultipleChoiceField(
        label="复查组成员", queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspectors"].queryset = inspector_choices(user)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=500, widget=forms.TextInput(attrs={"required": True}))


class EvidenceForm(forms.Form):
    evidence_text = forms.CharField(label="整改情况", widget=forms.Textarea(attrs={"rows": 5}))


class ScoringForm(VersionedFormMixin, forms.Form):
    """One row per item of the sheet: points (step 0.5), deduction reason, 列入整改. Blank rows
    are left unscored in a draft; the service reports what is missing on submission."""

    inspected_on = forms.DateField(label="检查日期", required=False, widget=_date_input())

    def __init__(self, *args, items: list[ScoreItem], scores: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            score = scores.get(item.pk)
            self.fields[f"points_{item.pk}"] = forms.DecimalField(
                label=f"{item.code} 得分",
                required=False,
                initial=score.points if score else None,
                widget=forms.NumberInput(
                    attrs={"step": "0.5", "min": "0", "max": str(item.max_points), "inputmode": "decimal"}
                ),
            )
            self.fields[f"reason_{item.pk}"] = forms.CharField(
                label=f"{item.code} 扣分理由",
                required=False,
                initial=score.reason if score else "",
                widget=forms.Textarea(attrs={"rows": 1}),
            )
            self.fields[f"rectify_{item.pk}"] = forms.BooleanField(
                label=f"{item.code} 列入整改", required=False, initial=score.rectify if score else False
            )

    def score_inputs(self) -> list[ScoreInput]:
        data = self.cleaned_data
        return [
            ScoreInput(
                item_id=item.pk,
                points=Decimal(data[f"points_{item.pk}"]),
                reason=data[f"reason_{item.pk}"],
                rectify=data[f"rectify_{item.pk}"],
            )
            for item in self.items
            if data.get(f"points_{item.pk}") is not None
        ]

    def apply_service_errors(self, error) -> None:
        """The service keys errors "item_<id>"; they belong on that row's points field."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for key, messages in error.message_dict.items():
            field = f"points_{key.removeprefix('item_')}"
            self.add_error(field if field in self.fields else None, messages)

    def rows_by_section(self):
        """[(section, [(item, points, reason, rectify), …]), …] in sheet order, for the template."""
        sections = []
        for item in self.items:
            if not sections or sections[-1][0] != item.section:
                sections.append((item.section, []))
            sections[-1][1].append(
                (item, self[f"points_{item.pk}"], self[f"reason_{item.pk}"], self[f"rectify_{item.pk}"])
            )
        return sections


class AcceptanceForm(forms.Form):
    """验收 of a pilot village; whether the reason is required is the service's rule."""

    accepted_on = forms.DateField(label="验收日期", widget=_date_input())
    document_no = forms.CharField(label="验收文号", max_length=100, help_text="如“巴民发〔2018〕12号”。")
    reason = forms.CharField(
        label="验收理由",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="未全部达到验收条件（检查合格、整改验收完毕、建设标准达标）而仍予验收时必填。",
    )


# Brackets people type for 〔〕, which no keyboard has: square and round, ASCII and full-width, and 【】.
_YEAR_BRACKETS = str.maketrans("[［【(（]］】)）", "〔〔〔〔〔〕〕〕〕〕")


class CircularIssueForm(forms.Form):
    number = forms.CharField(
        label="文号", max_length=40, help_text="如“巴民发〔2019〕12号”；年份的括号可以直接输入 [ ]，保存时改为〔〕。"
    )
    addressees = forms.CharField(
        label="主送机关", max_length=200, required=False, help_text="如“各乡镇人民政府，县直有关部门”。"
    )
    issuer = forms.CharField(label="发文机关署名（落款）", max_length=100)
    issued_on = forms.DateField(label="成文日期", widget=_date_input())

    def clean_number(self):
        return "".join(self.cleaned_data["number"].split()).translate(_YEAR_BRACKETS)
