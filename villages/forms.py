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


# The indicator form's sections, in the plan's order of goals (S0 §二); a field not named here
# goes to the last section, so a new indicator is never left off the form.
INDICATOR_GROUPS = (
    (
        "（二）服务设施：综合服务站和功能室",
        ("service_station_area_m2", *(f.name for f in VillageIndicator._meta.fields if f.name.startswith("room_"))),
    ),
    ("（二）服务设施：基础设施", tuple(f.name for f in VillageIndicator._meta.fields if f.name.startswith("infra_"))),
    ("（三）信息化", ("info_platform_covered", "grid_platform_covered", "video_surveillance_covered")),
    (
        "（四）服务内容",
        (
            "public_service_items_offered",
            "public_service_items_in_catalogue",
            "left_behind_children",
            "left_behind_women",
            "left_behind_elderly",
        ),
    ),
    ("（五）服务队伍", ("social_org_count", "volunteer_count")),
    (
        "（七）经济发展",
        ("collective_income_yuan", "poor_households", "poor_households_with_main_business", "poor_households_lifted"),
    ),
)


class VillageIndicatorForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = VillageIndicator
        fields = INDICATOR_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"poor_households_lifted": "贫困户全部脱贫（R-E1）据此判断；不填视为未填报。"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The infrastructure items are NULL only on records filed before they were asked; the
        # form asks them like the other yes/no items (a tick box: unticked is "no").
        for name in INDICATOR_GROUPS[1][1]:
            self.fields[name] = forms.BooleanField(label=self.fields[name].label, required=False)

    @property
    def groups(self):
        named = {name for _, names in INDICATOR_GROUPS for name in names}
        groups = [(label, [self[name] for name in names]) for label, names in INDICATOR_GROUPS]
        rest = [field for field in self.visible_fields() if field.name not in named]
        return [*groups, ("其他", rest)] if rest else groups

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
