from django import forms
from django.utils import timezone

from pilot_admin.locking import VersionedFormMixin
from villages.choices import PilotLevel
from villages.models import PilotProgram, Village, VillageIndicator
from villages.services import INDICATOR_FIELDS, VILLAGE_EDITABLE_FIELDS


class VillageForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Village
        fields = ("township",) + VILLAGE_EDITABLE_FIELDS

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from villages.models import Township

        self.fields["township"].queryset = Township.objects.editable_by(user)
        if self.instance.pk is None:
            # A new village is dated (issue 13): today unless it existed before the records.
            self.fields["established_on"] = forms.DateField(
                label="设立日期",
                required=False,
                initial=timezone.localdate,
                widget=forms.DateInput(attrs={"type": "date"}),
                help_text="新设立的村填设立日期（留空即今天）；此前已存在的村，请填其设立日期或勾选“建档前已有”，"
                "否则它不计入以往年度的行政村数。",
            )
            self.fields["before_records"] = forms.BooleanField(
                label="建档前已有", required=False, help_text="勾选后各年度都计入该村（忽略设立日期）。"
            )

    def clean(self):
        data = super().clean()
        if "before_records" in self.fields:
            before_records = data.pop("before_records", False)
            if before_records:
                data["established_on"] = None
            elif not data.get("established_on"):
                # Left empty: the service's default, today.
                data.pop("established_on", None)
        return data

    def _post_clean(self):
        # Model validation runs inside the service, which owns the write.
        pass


class VillageIndicatorForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = VillageIndicator
        fields = INDICATOR_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def _post_clean(self):
        pass


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=300, widget=forms.TextInput(attrs={"required": True}))


class PilotSelectForm(forms.Form):
    """The county office selects villages of one township as pilots of a program for a year."""

    program = forms.ModelChoiceField(label="试点项目", queryset=PilotProgram.objects.none(), to_field_name="code")
    year = forms.IntegerField(label="试点年度")
    level = forms.ChoiceField(label="级别", choices=PilotLevel.choices, initial=PilotLevel.COUNTY)
    villages = forms.ModelMultipleChoiceField(
        label="选定的村", queryset=Village.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, user, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = PilotProgram.objects.visible_to(user)
        self.fields["villages"].queryset = candidates
