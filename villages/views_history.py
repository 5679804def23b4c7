"""Pages of a village's history (issue 13): the county office records a rename, a merger, a
split or a 村改社区 with its date; and opens or closes the years of indicator entry."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView

from pilot_admin.actions import ActionView
from pilot_admin.forms import apply_validation_error
from pilot_admin.scoping import ScopedViewMixin
from villages import permissions, services, services_history, services_indicator_years
from villages.forms_history import BecomeCommunityForm, IndicatorYearForm, MergeForm, RenameForm, SplitForm
from villages.models import County, IndicatorYear, Village

# kind in the URL → (form, page title, service call, success message)
EVENTS = {
    "rename": (RenameForm, "更名"),
    "merge": (MergeForm, "撤并（并入其他村）"),
    "split": (SplitForm, "拆分（从本村分设新村）"),
    "community": (BecomeCommunityForm, "村改社区"),
}


class VillageEventView(ScopedViewMixin, FormView):
    access = staticmethod(permissions.can_manage_villages)
    template_name = "villages/village_history_form.html"

    def load(self, request, *args, **kwargs):
        if kwargs["kind"] not in EVENTS:
            raise Http404("没有这种历史事件。")
        self.kind = kwargs["kind"]
        self.village = get_object_or_404(
            Village.objects.editable_by(request.user).select_related("township", "township__county"), pk=kwargs["pk"]
        )

    def get_form_class(self):
        return EVENTS[self.kind][0]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(village=self.village, user=self.request.user)
        return kwargs

    def form_valid(self, form):
        data, actor, village = dict(form.cleaned_data), self.request.user, self.village
        try:
            if self.kind == "rename":
                services_history.village_rename(actor=actor, village=village, **data)
                message, target = f"已记录更名：{village.name} → {data['name']}", village
            elif self.kind == "merge":
                services_history.village_merge(actor=actor, village=village, **data)
                message, target = f"已记录：{village.name}并入{data['into'].name}", village
            elif self.kind == "split":
                data = {k: v for k, v in data.items() if v is not None}
                target = services_history.village_split(actor=actor, source=village, **data)
                message = f"已记录：从{village.name}拆分设立{target.name}"
            else:
                services_history.village_become_community(actor=actor, village=village, **data)
                message, target = f"已记录：{village.name}村改社区", village
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(target)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(village=self.village, kind=self.kind, title=EVENTS[self.kind][1])
        return context


class IndicatorYearListView(ScopedViewMixin, FormView):
    """The years of the county open for indicator entry; the county office opens one here."""

    access = staticmethod(permissions.can_confirm_indicators)
    template_name = "villages/village_history_indicator_years.html"
    form_class = IndicatorYearForm

    def load(self, request, *args, **kwargs):
        self.county = County.objects.editable_by(request.user).order_by("pk").first()
        if self.county is None:
            raise Http404("没有可管理的县。")

    def get_initial(self):
        # Not this year: it is usually open already, and opening an open year is refused.
        return {"year": services_indicator_years.suggested_year_to_open(county=self.county)}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        open_years = services.open_indicator_years(county_id=self.county.pk)
        if open_years:
            listed = "、".join(f"{year}年" for year in open_years)
            form.fields["year"].help_text = f"已开放：{listed}（无需再开放）。"
        return form

    def form_valid(self, form):
        try:
            row = services_indicator_years.indicator_year_open(
                actor=self.request.user, county=self.county, year=form.cleaned_data["year"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"已开放{row.year}年度指标填报。")
        return redirect("villages:indicator_year_list")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["county"] = self.county
        context["years"] = IndicatorYear.objects.filter(county=self.county).select_related("opened_by", "closed_by")
        return context


class IndicatorYearCloseView(ActionView):
    """POST-only: the county office closes a year's indicator entry."""

    access = staticmethod(permissions.can_confirm_indicators)

    def get_queryset(self):
        return IndicatorYear.objects.filter(county__in=County.objects.editable_by(self.request.user))

    def default_url(self, target):
        return reverse("villages:indicator_year_list")

    def perform(self, row):
        services_indicator_years.indicator_year_close(actor=self.request.user, indicator_year=row)
        return f"已关闭{row.year}年度指标填报。"
