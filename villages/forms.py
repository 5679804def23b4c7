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


ROW_FIELDS = ("selected", "reason", "guidance", "provincial", "demonstration")


class NominationForm(forms.Form):
    """A township's nomination of several of its villages: one row per candidate village, with
    its own reason (or the shared one), guidance category and provincial application."""

    shared_reason = forms.CharField(
        label="统一申报理由",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="勾选的村未单独填写理由时使用。",
    )

    def __init__(self, *args, candidates, **kwargs):
        from villages.choices import GuidanceCategory

        super().__init__(*args, **kwargs)
        self.candidates = list(candidates)
        categories = [("", "请选择"), *GuidanceCategory.choices]
        for village in self.candidates:
            prefix = f"v{village.pk}"
            self.fields[f"{prefix}_selected"] = forms.BooleanField(label=village.name, required=False)
            self.fields[f"{prefix}_reason"] = forms.CharField(label="申报理由", required=False, max_length=1000)
            self.fields[f"{prefix}_guidance"] = forms.ChoiceField(
                label="分类指导类型", choices=categories, required=False, initial=village.guidance_category
            )
            self.fields[f"{prefix}_provincial"] = forms.BooleanField(label="申请省级重点支持", required=False)
            self.fields[f"{prefix}_demonstration"] = forms.BooleanField(label="拟创建示范村", required=False)

    def rows(self):
        """(village, its bound fields) for the template."""
        return [
            (
                village,
                {
                    name: self[f"v{village.pk}_{name}"]
                    for name in ("selected", "reason", "guidance", "provincial", "demonstration")
                },
            )
            for village in self.candidates
        ]

    def clean(self):
        from villages.services_nominations import NominationInput

        cleaned = super().clean()
        shared = (cleaned.get("shared_reason") or "").strip()
        items, errors = [], []
        for village in self.candidates:
            prefix = f"v{village.pk}"
            if not cleaned.get(f"{prefix}_selected"):
                continue
            reason = (cleaned.get(f"{prefix}_reason") or "").strip() or shared
            guidance = cleaned.get(f"{prefix}_guidance") or ""
            if not reason:
                errors.append(f"{village.name}：请填写申报理由（或统一申报理由）。")
            if not guidance:
                errors.append(f"{village.name}：请选择分类指导类型。")
            items.append(
                NominationInput(
                    village=village,
                    reason=reason,
                    guidance_category=guidance,
                    applies_provincial_support=bool(cleaned.get(f"{prefix}_provincial")),
                    wishes_demonstration=bool(cleaned.get(f"{prefix}_demonstration")),
                )
            )
        if not items:
            errors.append("请至少勾选一个村。")
        if errors:
            raise forms.ValidationError(errors)
        cleaned["items"] = items
        return cleaned


class NominationResubmitForm(forms.Form):
    reason = forms.CharField(label="申报理由", widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
    guidance_category = forms.ChoiceField(label="分类指导类型", choices=())
    applies_provincial_support = forms.BooleanField(label="申请省级重点支持", required=False)
    wishes_demonstration = forms.BooleanField(label="拟创建试点示范村", required=False)

    def __init__(self, *args, **kwargs):
        from villages.choices import GuidanceCategory

        super().__init__(*args, **kwargs)
        self.fields["guidance_category"].choices = GuidanceCategory.choices


class ProvincialStatusForm(forms.Form):
    status = forms.ChoiceField(label="省级重点支持", choices=())
    decided_on = forms.DateField(label="省里决定日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        from villages.choices import ProvincialStatus

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = ProvincialStatus.choices
