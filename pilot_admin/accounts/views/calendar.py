"""工作日历 (系统管理员): the county's overrides of the legal working-day calendar, and which
years the chinesecalendar package is missing (deadlines there count weekends only)."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView

from pilot_admin import workdays
from pilot_admin.accounts import selectors, services
from pilot_admin.accounts.forms import WorkdayOverrideForm
from pilot_admin.accounts.permissions import can_manage_accounts
from pilot_admin.models import WorkdayOverride
from pilot_admin.params import int_param
from pilot_admin.scoping import ScopedViewMixin


class WorkdayCalendarView(ScopedViewMixin, FormView):
    """A year's overrides and the form that adds (or, for a date already entered, changes) one."""

    access = staticmethod(can_manage_accounts)
    template_name = "pilot_admin/workday_calendar.html"
    form_class = WorkdayOverrideForm

    def load(self, request, *args, **kwargs):
        today = timezone.localdate()
        year = int_param(request.GET.get("year"), default=today.year)
        # Outside the years a calendar makes sense for, the page shows this year.
        self.year = year if 2000 <= year <= 2100 else today.year

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        calendar = workdays.WorkCalendar.load()
        first = datetime.date(self.year, 1, 1)
        days = [first + datetime.timedelta(days=n) for n in range((datetime.date(self.year + 1, 1, 1) - first).days)]
        # The year's days off other than weekends, and its working weekends, as the calendar
        # (package and overrides together) has them: what deadlines will follow.
        holidays = [
            (day, calendar.day_off_name(day)) for day in days if day.weekday() < 5 and not calendar.is_workday(day)
        ]
        working_weekends = [day for day in days if day.weekday() >= 5 and calendar.is_workday(day)]
        return super().get_context_data(
            year=self.year,
            years=range(today.year - 1, today.year + 3),
            overrides=WorkdayOverride.objects.filter(date__year=self.year).order_by("date"),
            holidays=holidays,
            working_weekends=working_weekends,
            warning=selectors.calendar_warning(today),
            year_missing=bool(workdays.missing_years([self.year])),
            **kwargs,
        )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.request.method == "POST":
            existing = WorkdayOverride.objects.filter(date=self.request.POST.get("date") or None).first()
            kwargs["instance"] = existing
        return kwargs

    def form_valid(self, form):
        try:
            override = services.workday_override_save(actor=self.request.user, override=form.instance)
        except ValidationError as error:
            for field, errors in (
                error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]
            ):
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
            return self.form_invalid(form)
        messages.success(self.request, f"已保存：{override}。之后生成或调整的截止日期按此计算，已过去的截止日期不变。")
        return redirect(f"{reverse('accounts:workday_calendar')}?year={override.date.year}")


class WorkdayOverrideDeleteView(ScopedViewMixin, View):
    access = staticmethod(can_manage_accounts)
    http_method_names = ["post"]

    def post(self, request, pk):
        override = get_object_or_404(WorkdayOverride, pk=pk)
        try:
            services.workday_override_delete(actor=request.user, override=override)
        except PermissionDenied as error:
            raise Http404 from error
        messages.success(request, f"已删除：{override}。")
        return redirect(f"{reverse('accounts:workday_calendar')}?year={override.date.year}")
