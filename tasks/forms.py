"""Input shapes of the tasks pages. Every rule (who may write, locking, statuses, attachment
checks) is the services' business; these forms only read the fields."""

from django import forms
from django.conf import settings

from tasks.models import Department, ReportingPeriod
from tasks.services import ATTACHMENT_TYPES


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (a phone's photo picker hands over a batch)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(ATTACHMENT_TYPES)}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        cleaned = super().clean(data, initial)
        return [cleaned] if cleaned else []


class ReportForm(forms.Form):
    text = forms.CharField(label="进展情况", required=False, widget=forms.Textarea(attrs={"rows": 8}))
    percent_complete = forms.IntegerField(label="完成进度（%）", min_value=0, max_value=100, initial=0)
    signed_by_principal = forms.BooleanField(label="经主要领导签字", required=False)
    attachments = MultipleFileField(
        label="附件",
        required=False,
        help_text=(
            f"PDF、图片、Word 或 Excel，可多选，每个不超过 {settings.REPORT_ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB。"
        ),
    )


class CloseOutForm(forms.Form):
    note = forms.CharField(
        label="销号说明", max_length=2000, widget=forms.Textarea(attrs={"rows": 3, "required": True})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=500, widget=forms.TextInput(attrs={"required": True}))


class UnlockForm(forms.Form):
    """The county office reopens one unit's locked period until a date."""

    period = forms.ModelChoiceField(label="报送期", queryset=ReportingPeriod.objects.none())
    department = forms.ModelChoiceField(label="报送单位", queryset=Department.objects.none())
    reason = forms.CharField(label="解锁原因", max_length=300, widget=forms.TextInput(attrs={"required": True}))
    until = forms.DateField(label="解锁至", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, task, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = task.periods.order_by("due_date")
        self.fields["period"].label_from_instance = lambda period: f"{period.label}（{period.due_date:%Y-%m-%d}截止）"
        self.fields["department"].queryset = Department.objects.filter(assignments__task=task).order_by("name")
