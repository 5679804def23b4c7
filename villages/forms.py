from django import forms

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
