"""Forms of a village's life events (villages/services_history.py) and of the indicator years."""

from django import forms
from django.utils import timezone

from villages.models import Village

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


class EventForm(forms.Form):
    date = forms.DateField(label="日期", widget=DATE_WIDGET, initial=timezone.localdate)
    note = forms.CharField(label="说明", max_length=300, required=False, help_text="如批准文号。")

    def __init__(self, *args, village, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.village = village


class RenameForm(EventForm):
    name = forms.CharField(label="新村名", max_length=50)
    field_order = ["name", "date", "note"]


class MergeForm(EventForm):
    into = forms.ModelChoiceField(label="并入的村", queryset=Village.objects.none())
    field_order = ["into", "date", "note"]

    def __init__(self, *args, village, user, **kwargs):
        super().__init__(*args, village=village, user=user, **kwargs)
        # Still existing villages of the same county; the same township's first.
        self.fields["into"].queryset = (
            Village.objects.editable_by(user)
            .filter(township__county=village.township.county_id, ended_on__isnull=True)
            .exclude(pk=village.pk)
            .select_related("township")
            .order_by("township__code", "township__name", "code", "name")
        )
        self.fields["into"].label_from_instance = lambda v: f"{v.township.name} · {v.name}"


class SplitForm(EventForm):
    name = forms.CharField(label="新村名", max_length=50)
    code = forms.CharField(label="新村区划代码", max_length=12, required=False)
    households = forms.IntegerField(label="户数", min_value=0, required=False)
    population = forms.IntegerField(label="户籍人口", min_value=0, required=False)
    field_order = ["name", "code", "households", "population", "date", "note"]


class BecomeCommunityForm(EventForm):
    pass


class IndicatorYearForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
