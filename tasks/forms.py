"""Input shapes of the tasks pages. Every rule (who may write, locking, statuses, attachment
checks) is the services' business; these forms only read the fields."""

from django import forms
from django.conf import settings

from pilot_admin.forms import MultipleFileField
from pilot_admin.locking import VersionedFormMixin
from tasks import figures as task_figures
from tasks.models import ReportingPeriod, Task
from villages.choices import DepartmentKind
from villages.models import Department, PilotProgram, Township


class ReportForm(VersionedFormMixin, forms.Form):
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

    def __init__(self, *args, figures=(), requires_signature=False, **kwargs):
        """`figures`: the task's TaskFigures, each asked as a number (blank: not reported).
        `requires_signature`: a half-year or year summary, submitted only signed (the service
        refuses it otherwise; the form says so before)."""
        super().__init__(*args, **kwargs)
        self.fields["text"].help_text = "提交时须填写进展情况或上传附件；草稿可暂不填写。"
        if requires_signature:
            self.fields["signed_by_principal"].help_text = "本期为半年总结或年度总结，须经单位主要领导签字后提交。"
        self.task_figures = list(figures)
        for figure in self.task_figures:
            self.fields[task_figures.field_name(figure)] = forms.DecimalField(
                label=f"{figure.name}（{figure.unit}）" if figure.unit else figure.name,
                required=False,
                min_value=0,
                max_digits=14,
                decimal_places=2,
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "min": "0", "step": "any"}),
            )
        names = [task_figures.field_name(figure) for figure in self.task_figures]
        self.order_fields(["text", "percent_complete", *names, "signed_by_principal", "attachments"])

    @property
    def figure_fields(self):
        return [self[task_figures.field_name(figure)] for figure in self.task_figures]

    def service_arguments(self) -> dict:
        """The cleaned data as report_save takes it: the figures gathered under their keys."""
        data = dict(self.cleaned_data)
        data.pop("attachments", None)
        data["figures"] = {
            figure.key: data.pop(task_figures.field_name(figure))
            for figure in self.task_figures
            if data.get(task_figures.field_name(figure)) is not None
        }
        for figure in self.task_figures:
            data.pop(task_figures.field_name(figure), None)
        return data


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


class UnlockRequestForm(forms.Form):
    """申请补报: why the unit reports late."""

    reason = forms.CharField(
        label="补报原因",
        max_length=300,
        error_messages={"required": "申请补报须填写原因。"},
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
        help_text="说明逾期未报的原因，县领导小组办公室据此决定是否解锁。",
    )


class UnlockDecisionForm(forms.Form):
    """The county office grants a 补报 request until a date; the service checks the date."""

    until = forms.DateField(label="解锁至", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class TaskForm(VersionedFormMixin, forms.ModelForm):
    """A task with its units. Choices are the user's county's (visible_to); the service checks
    them again."""

    program = forms.ModelChoiceField(label="试点项目", queryset=PilotProgram.objects.none())
    lead = forms.ModelMultipleChoiceField(
        label="牵头单位", queryset=Department.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    cooperating = forms.ModelMultipleChoiceField(
        label="配合单位", queryset=Department.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    all_townships = forms.BooleanField(label="落实到全部乡镇", required=False)
    townships = forms.ModelMultipleChoiceField(
        label="落实乡镇", queryset=Township.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    cadence_dates_text = forms.CharField(
        label="固定报送日期",
        required=False,
        help_text="“每年固定日期”时填写，如 06-15, 11-30",
    )
    figures_text = forms.CharField(
        label="报告数据项",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="进度报告须填写的数字，每行一项，写作“名称（计量单位）”，如“已建成服务站个数（个）”；"
        "报送表按期汇总各单位所填。留空表示不要求填写数字。",
    )

    class Meta:
        model = Task
        fields = (
            "program",
            "code",
            "section",
            "title",
            "text",
            "phase",
            "start_date",
            "deadline",
            "cadence_kind",
            "cadence_months",
            "completion_standard",
        )
        widgets = {
            "text": forms.Textarea(attrs={"rows": 4}),
            "completion_standard": forms.Textarea(attrs={"rows": 2}),
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = Department.objects.visible_to(user).exclude(kind=DepartmentKind.TOWNSHIP).order_by("kind", "name")
        self.fields["program"].queryset = PilotProgram.objects.editable_by(user)
        self.fields["lead"].queryset = units
        self.fields["cooperating"].queryset = units
        self.fields["townships"].queryset = Township.objects.visible_to(user).order_by("code", "name")
        task = self.instance
        if task.pk:
            self.fields["program"].disabled = True
            by_role = {}
            for assignment in task.assignments.all():
                by_role.setdefault(assignment.role, []).append(assignment.department_id)
            self.initial.update(
                lead=by_role.get("lead", []),
                cooperating=by_role.get("cooperating", []),
                all_townships=task.applies_to_all_townships,
                townships=list(
                    Township.objects.filter(government__in=by_role.get("township", [])).values_list("pk", flat=True)
                ),
                cadence_dates_text=", ".join(task.cadence_dates or []),
                figures_text=task_figures.format_lines(task.figures.all()),
            )

    def clean_cadence_dates_text(self):
        raw = self.cleaned_data.get("cadence_dates_text", "")
        return [part.strip() for part in raw.replace("，", ",").split(",") if part.strip()]

    def clean_figures_text(self):
        return task_figures.parse_lines(self.cleaned_data.get("figures_text", ""))

    def _post_clean(self):
        # Model validation runs inside the service, which owns the write.
        pass

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["cadence_dates"] = data.pop("cadence_dates_text")
        data["figures"] = data.pop("figures_text")
        data["lead"] = list(data["lead"])
        data["cooperating"] = list(data["cooperating"])
        data["townships"] = list(data["townships"])
        return data
