"""Input shapes of the guardianship pages. Each form feeds one service, which owns every rule;
model validation runs there, not here."""

from django import forms
from django.utils import timezone

from guardianship import rules
from guardianship.choices import ConsentBy, Duty, GuardianKind, Relation, ReplacementReason
from guardianship.models import Person, Visit
from guardianship.services import PERSON_FIELDS, VISIT_CHECKS
from pilot_admin.forms import MultipleFileField
from pilot_admin.locking import VersionedFormMixin
from villages.models import Township, Village

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ServiceModelForm(forms.ModelForm):
    def _post_clean(self):
        # Model validation runs inside the service, which owns the write.
        pass


class PersonForm(VersionedFormMixin, ServiceModelForm):
    class Meta:
        model = Person
        fields = PERSON_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = Village.objects.township_work_by(user).select_related("township")
        self.fields["id_number"].help_text = "18位，出生日期和性别由号码得出。"


class PersonExitForm(forms.Form):
    reason = forms.CharField(label="退出原因", max_length=200)
    exit_date = forms.DateField(label="退出日期", widget=DATE_INPUT, initial=timezone.localdate)


class SelfCareForm(forms.Form):
    assessed_on = forms.DateField(label="评估日期", widget=DATE_INPUT, initial=timezone.localdate)
    assessor = forms.CharField(label="评估人", max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from guardianship.models import SelfCareAssessment

        for name in rules.SELF_CARE_ITEMS:
            label = SelfCareAssessment._meta.get_field(name).verbose_name
            self.fields[name] = forms.BooleanField(label=f"能独立{label}", required=False)

    @property
    def items(self) -> dict:
        return {name: self.cleaned_data[name] for name in rules.SELF_CARE_ITEMS}


class GuardianFactsForm(forms.Form):
    """The facts the category follows from (rules.guardian_category); the category itself is
    never typed in."""

    kind = forms.ChoiceField(label="监护人类型", choices=GuardianKind.choices)
    name = forms.CharField(label="监护人（姓名或单位）", max_length=100)
    relation = forms.ChoiceField(label="与被监护人关系", choices=[("", "—")] + Relation.choices, required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    has_close_relative = forms.BooleanField(label="由法定近亲属（配偶、父母、子女等）担任", required=False)
    willing = forms.BooleanField(label="愿意担任监护人的个人或组织", required=False)
    consent_by = forms.ChoiceField(label="同意单位（Ⅱ类须填）", choices=[("", "—")] + ConsentBy.choices, required=False)
    consent_on = forms.DateField(label="同意日期", widget=DATE_INPUT, required=False)
    able_to_perform = forms.BooleanField(label="具备履行监护职责条件", required=False, initial=True)


class GuardianAssignForm(GuardianFactsForm):
    start_date = forms.DateField(label="开始日期", widget=DATE_INPUT, initial=timezone.localdate)
    field_order = ["start_date"]


class GuardianReplaceForm(GuardianFactsForm):
    reason = forms.ChoiceField(label="更换原因", choices=[("", "—")] + ReplacementReason.choices)
    decided_on = forms.DateField(label="决定日期", widget=DATE_INPUT, initial=timezone.localdate)
    note = forms.CharField(label="说明", max_length=300, required=False)
    field_order = ["reason", "decided_on", "note"]

    def new_guardian(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("reason", "decided_on", "note"):
            data.pop(name)
        return data


class AgreementForm(forms.Form):
    signed_on = forms.DateField(label="签订日期", widget=DATE_INPUT, initial=timezone.localdate)
    duties = forms.MultipleChoiceField(
        label="监护照料职责", choices=Duty.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    document = forms.FileField(label="协议扫描件", required=False)


class VisitForm(ServiceModelForm):
    """The phone form: date defaults to today, the seven checks are toggles that start at OK."""

    class Meta:
        model = Visit
        fields = ("visited_on", "visitor_name", *VISIT_CHECKS, "problems", "follow_up")
        widgets = {
            "visited_on": DATE_INPUT,
            "problems": forms.Textarea(attrs={"rows": 3}),
            "follow_up": forms.Textarea(attrs={"rows": 3}),
        }

    photos = MultipleFileField(label="照片", required=False, help_text="可多选；每张不超过附件大小上限。")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visited_on"].initial = timezone.localdate
        self.fields["visitor_name"].initial = user.get_full_name() or user.username
        for name in VISIT_CHECKS:
            self.fields[name].widget.attrs.update({"class": "toggle", "role": "switch"})

    @property
    def checks(self):
        return [self[name] for name in VISIT_CHECKS]


class FindingForm(forms.Form):
    township = forms.ModelChoiceField(label="乡镇", queryset=Township.objects.none())
    person = forms.ModelChoiceField(label="涉及人员（可选）", queryset=Person.objects.none(), required=False)
    found_on = forms.DateField(label="发现日期", widget=forms.DateInput(attrs={"type": "date"}))
    problem = forms.CharField(label="问题", widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(label="整改期限", widget=forms.DateInput(attrs={"type": "date"}))
    requires_guardian_replacement = forms.BooleanField(label="需更换监护人", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = Township.objects.visible_to(user)
        self.fields["person"].queryset = Person.objects.visible_to(user).select_related("village")


class FindingResultForm(forms.Form):
    result = forms.CharField(label="整改结果", widget=forms.Textarea(attrs={"rows": 3}))
