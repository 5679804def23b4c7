"""Pages of the tasks app. Rows come from tasks.selectors or visible_to (a foreign id is a 404),
every write is one call of a tasks.services function whose ValidationError becomes a form error
or a message."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from pilot_admin import uploads
from pilot_admin.actions import ActionView
from pilot_admin.api.pagination import WindowCountPaginator
from pilot_admin.audit.services import audit_entries_for
from pilot_admin.dates import year_as_of
from pilot_admin.forms import apply_validation_error
from pilot_admin.lists import FilteredListMixin, filtered
from pilot_admin.params import int_param
from pilot_admin.reversing import reverse_id
from pilot_admin.scoping import ScopedViewMixin
from tasks import figures as task_figures
from tasks import permissions, selectors, services, services_review
from tasks.choices import AssignmentRole, ReportStatus, TaskStatus
from tasks.filters import LedgerFilterSet, TaskFilterSet
from tasks.filters_lists import MyTasksFilterSet, ReviewQueueFilterSet
from tasks.forms import CloseOutForm, ReasonForm, ReportForm, TaskForm, UnlockForm
from tasks.models import ProgressReport, ReportAttachment, ReportingPeriod, ReportUnlock, Task
from villages import services as village_services
from villages.querysets import unit_q
from villages.selectors import program_for_code, visible_programs


class MyTasksView(ScopedViewMixin, FilteredListMixin, ListView):
    """我的任务: the unit's open obligations, paged and filtered, in the order they need action
    (returned, overdue, then due soonest), each one click from its form — or, for a locked
    period, from 申请补报. County roles speak for no unit and are pointed at the ledger."""

    access = staticmethod(permissions.can_view_tasks)
    template_name = "tasks/my_tasks.html"
    context_object_name = "periods"
    filterset_class = MyTasksFilterSet

    def base_queryset(self):
        self.today = timezone.localdate()
        return selectors.my_obligations(user=self.request.user, today=self.today)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, today = self.request.user, self.today
        obligations = []
        for period in context["periods"]:
            days = period.days_to_due.days
            obligations.append(
                {
                    "period": period,
                    "task": period.task,
                    "days_overdue": -days if days < 0 else 0,
                    "days_left": days if days >= 0 else None,
                    "soon": 0 <= days <= period.task.program.remind_days_before,
                    "lock_date": services.lock_date(period),
                    "action": selectors.report_action(period, today=today),
                    "report_label": ReportStatus(period.report_status).label if period.report_status else "",
                }
            )
        queryset = self.object_list
        context.update(
            today=today,
            reports_for_unit=permissions.can_report(user),
            obligations=obligations,
            total_count=context["paginator"].count if context.get("paginator") else len(obligations),
            overdue_count=queryset.filter(due_date__lt=today).count(),
        )
        return context


class TaskListView(ScopedViewMixin, FilteredListMixin, ListView):
    access = staticmethod(permissions.can_view_tasks)
    template_name = "tasks/task_list.html"
    context_object_name = "tasks"
    filterset_class = TaskFilterSet

    def base_queryset(self):
        return selectors.task_list(user=self.request.user)


class TaskFormView(ScopedViewMixin, FormView):
    """The county office writes a task: its text, units, phase, deadline and cadence."""

    access = staticmethod(permissions.can_manage_tasks)
    template_name = "tasks/task_form.html"
    form_class = TaskForm

    def load(self, request, *args, **kwargs):
        self.task = None
        if "pk" in kwargs:
            self.task = get_object_or_404(Task.objects.editable_by(request.user), pk=kwargs["pk"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(user=self.request.user, instance=self.task)
        return kwargs

    def form_valid(self, form):
        data = form.service_arguments()
        try:
            if self.task is None:
                task = services.task_create(actor=self.request.user, **data)
            else:
                data.pop("program")
                task = services.task_update(actor=self.request.user, task=self.task, **data)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"已保存任务 {task.code}，共 {task.periods.count()} 个报送期。")
        return redirect(task)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["task"] = self.task
        return context


class TaskDetailView(ScopedViewMixin, DetailView):
    """The task's text and units, each period with each unit's report, and for the county
    office the close-out, reopen and unlock forms."""

    access = staticmethod(permissions.can_view_tasks)
    template_name = "tasks/task_detail.html"
    context_object_name = "task"

    def get_queryset(self):
        return selectors.task_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        task, user = self.object, self.request.user
        assignments = list(
            task.assignments.select_related("department").order_by(selectors.ROLE_ORDER, "department__name")
        )
        # One column per unit whose reports the user may read, by the same rule as the reports
        # themselves (a unit its own; a lead department also its cooperating units', R-G17).
        visible_units = set(task.assignments.visible_to(user).values_list("department_id", flat=True))
        columns = [a for a in assignments if a.department_id in visible_units]
        own = unit_q(user)
        own_ids = (
            set(task.assignments.filter(own).values_list("department_id", flat=True)) if own is not None else set()
        )
        reports = {
            (report.period_id, report.department_id): report
            for report in ProgressReport.objects.visible_to(user).filter(task=task)
        }
        today = timezone.localdate()
        figures = list(task.figures.all())
        totals = selectors.figure_totals(user=user, task=task, figures=figures)
        rows = []
        for period in task.periods.order_by("due_date"):
            cells = []
            for assignment in columns:
                report = reports.get((period.pk, assignment.department_id))
                cells.append(
                    {
                        "assignment": assignment,
                        "report": report,
                        "own": assignment.department_id in own_ids,
                        "figures": task_figures.text(figures, report.figures) if report is not None else "",
                    }
                )
            rows.append(
                {
                    "period": period,
                    "cells": cells,
                    "lock_date": services.lock_date(period),
                    "started": period.start <= today,
                    "totals": task_figures.shown(figures, totals.get(period.pk)),
                }
            )
        can_manage = permissions.can_manage_tasks(user)
        context.update(
            figures=figures,
            assignments=assignments,
            columns=columns,
            rows=rows,
            today=today,
            can_manage=can_manage,
            can_report=permissions.can_report(user) and bool(own_ids),
            editable_statuses=services.EDITABLE_STATUSES,
            close_out_form=CloseOutForm(),
            reopen_form=ReasonForm(),
            unlock_form=UnlockForm(task=task, initial={"until": today}) if can_manage else None,
            unlocks=ReportUnlock.objects.filter(period__task=task).select_related("period", "department", "unlocked_by")
            if can_manage
            else (),
            audit_entries=audit_entries_for(task)[:50],
        )
        return context


class TaskActionView(ActionView):
    """POST-only base for the county office's actions on one task."""

    access = staticmethod(permissions.can_manage_tasks)

    def get_queryset(self):
        return Task.objects.visible_to(self.request.user)


class TaskCloseOutView(TaskActionView):
    def perform(self, task):
        services.task_close_out(actor=self.request.user, task=task, note=self.request.POST.get("note", ""))
        return "已销号，该任务不再接收报告，也不再提醒。"


class TaskReopenView(TaskActionView):
    def perform(self, task):
        services.task_reopen(actor=self.request.user, task=task, reason=self.request.POST.get("reason", ""))
        return "已撤销销号，任务恢复为进行中。"


class PeriodUnlockView(TaskActionView):
    def perform(self, task):
        form = UnlockForm(self.request.POST, task=task)
        if not form.is_valid():
            raise ValidationError(
                [f"{form.fields[name].label}：{'；'.join(errors)}" for name, errors in form.errors.items()]
            )
        data = form.cleaned_data
        unlock = services.period_unlock(
            actor=self.request.user,
            period=data["period"],
            department=data["department"],
            reason=data["reason"],
            until=data["until"],
        )
        return f"已为“{unlock.department}”解锁“{unlock.period.label}”，至 {unlock.until:%Y-%m-%d}。"


def own_unit_period(request, pk):
    """(period, the user's unit) for a period of a task the user's unit reports on; 404 for any
    other period, so another unit's obligations are never shown."""
    period = get_object_or_404(
        ReportingPeriod.objects.visible_to(request.user).select_related("task", "task__program"), pk=pk
    )
    unit = village_services.unit_for(request.user)
    if unit is None or not period.task.assignments.filter(department=unit).exists():
        raise Http404("该任务不在您单位的职责范围内。")
    return period, unit


class ReportEditView(ScopedViewMixin, FormView):
    """The unit's report for one period (phone-friendly): save a draft or submit, with
    attachments. The services refuse what is locked, closed out or already submitted."""

    access = staticmethod(permissions.can_report)
    template_name = "tasks/report_form.html"
    form_class = ReportForm

    def load(self, request, *args, **kwargs):
        self.period, self.unit = own_unit_period(request, kwargs["pk"])
        self.report = ProgressReport.objects.filter(period=self.period, department=self.unit).first()
        self.figures = list(self.period.task.figures.all())
        # Locked and still owed: the only way on is 申请补报.
        self.locked = (
            self.period.task.status == TaskStatus.OPEN
            and (self.report is None or self.report.status in services.EDITABLE_STATUSES)
            and services.is_locked(period=self.period, department=self.unit)
        )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["figures"] = self.figures
        kwargs["requires_signature"] = services.requires_principal_signature(self.period)
        return kwargs

    def refusal(self) -> str:
        """Why the form is not offered, in the words the user sees; the service decides again
        on POST."""
        task = self.period.task
        if task.status == TaskStatus.CLOSED_OUT:
            return "该任务已销号，不再接收报告。"
        if self.report is not None and self.report.status not in services.EDITABLE_STATUSES:
            return f"报告{self.report.get_status_display()}，不能修改。"
        if self.locked:
            return (
                f"本期已于 {services.lock_date(self.period):%Y-%m-%d} 锁定。"
                "如需补报，请申请补报，县领导小组办公室同意后即可填报。"
            )
        return ""

    def get_initial(self):
        if self.report is None:
            return {"version": 0}
        return {
            "text": self.report.text,
            "percent_complete": self.report.percent_complete,
            "signed_by_principal": self.report.signed_by_principal,
            "version": self.report.version,
            **{
                task_figures.field_name(figure): self.report.figures.get(figure.key)
                for figure in self.figures
                if figure.key in self.report.figures
            },
        }

    def form_valid(self, form):
        user = self.request.user
        files = form.cleaned_data["attachments"]
        data = form.service_arguments()
        submit = self.request.POST.get("action") == "submit"
        try:
            # A report and its attachments are kept together or not at all; attachments can
            # only be added while the report is a draft, so a submission with files saves the
            # draft, attaches, then submits.
            with transaction.atomic():
                if files:
                    report = services.report_save(actor=user, period=self.period, submit=False, **data)
                    for upload in files:
                        services.attachment_add(actor=user, report=report, upload=upload)
                    if submit:
                        data["version"] = report.version
                        report = services.report_save(actor=user, period=self.period, submit=True, **data)
                else:
                    report = services.report_save(actor=user, period=self.period, submit=submit, **data)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        if submit:
            messages.success(self.request, "报告已提交，等待县领导小组办公室审核。")
            return redirect(report)
        messages.success(self.request, "草稿已保存。")
        return redirect("tasks:report_edit", pk=self.period.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            period=self.period,
            task=self.period.task,
            unit=self.unit,
            report=self.report,
            refusal=self.refusal(),
            # A locked period is not a dead end: the unit asks for 补报 from here.
            unlock_request_url=reverse("tasks:unlock_request_create", args=[self.period.pk]) if self.locked else "",
            lock_date=services.lock_date(self.period),
            attachments=self.report.attachments.all() if self.report is not None else (),
        )
        return context


class ReportDetailView(ScopedViewMixin, DetailView):
    access = staticmethod(permissions.can_view_tasks)
    template_name = "tasks/report_detail.html"
    context_object_name = "report"

    def get_queryset(self):
        return ProgressReport.objects.visible_to(self.request.user).select_related(
            "task", "task__program", "period", "department", "submitted_by", "reviewed_by"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report, user = self.object, self.request.user
        own = ProgressReport.objects.editable_by(user).filter(pk=report.pk).exists()
        context.update(
            figures=task_figures.shown(report.task.figures.all(), report.figures),
            attachments=report.attachments.all(),
            audit_entries=audit_entries_for(report)[:50],
            can_review=permissions.can_review_reports(user) and report.status == ReportStatus.SUBMITTED,
            can_edit=own
            and permissions.can_report(user)
            and report.status in services.EDITABLE_STATUSES
            and report.task.status == TaskStatus.OPEN,
            return_form=ReasonForm(),
        )
        return context


class AttachmentDownloadView(ScopedViewMixin, View):
    """Streams an attachment of a visible report; files are never served from a public URL."""

    access = staticmethod(permissions.can_view_tasks)

    def get(self, request, pk):
        visible_reports = ProgressReport.objects.visible_to(request.user).values("pk")
        attachment = get_object_or_404(ReportAttachment.objects.filter(report__in=visible_reports), pk=pk)
        return uploads.attachment_response(attachment.file, attachment.original_name)


class ReviewQueueView(ScopedViewMixin, FilteredListMixin, ListView):
    """报告审核: submitted reports, paged and filtered, the most recent period first; several
    can be ticked and accepted at once."""

    access = staticmethod(permissions.can_review_reports)
    template_name = "tasks/review_queue.html"
    context_object_name = "reports"
    filterset_class = ReviewQueueFilterSet

    def base_queryset(self):
        return selectors.review_queue(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["return_form"] = ReasonForm()
        return context


class ReportBulkAcceptView(ActionView):
    """POST-only: accept the reports ticked in the queue, each at the version the page showed;
    all or none (tasks.services_review.reports_accept)."""

    access = staticmethod(permissions.can_review_reports)

    def get_object(self):
        ids = [value for value in self.request.POST.getlist("reports") if value.isdigit()]
        reports = (
            ProgressReport.objects.visible_to(self.request.user)
            .select_related("task", "period", "department")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        return [(report, int_param(self.request.POST.get(f"version-{report.pk}"), None)) for report in reports]

    def default_url(self, reports):
        return reverse("tasks:review_queue")

    def perform(self, reports):
        accepted = services_review.reports_accept(actor=self.request.user, reports=reports)
        return f"已采纳 {len(accepted)} 份报告。"


class ReportReviewView(ActionView):
    """POST-only: 采纳 or 退回 (with a reason) one submitted report."""

    access = staticmethod(permissions.can_review_reports)
    actions = ("accept", "return")

    def get_queryset(self):
        return ProgressReport.objects.visible_to(self.request.user)

    def do_accept(self, report):
        services.report_accept(actor=self.request.user, report=report)
        return f"已采纳：{report.department} · {report.period.label}。"

    def do_return(self, report):
        services.report_return(actor=self.request.user, report=report, reason=self.request.POST.get("reason", ""))
        return f"已退回：{report.department} · {report.period.label}。"


class LedgerView(ScopedViewMixin, FilteredListMixin, ListView):
    """任务台账: every task × unit with its current period, latest report and days overdue."""

    access = staticmethod(permissions.can_view_tasks)
    template_name = "tasks/ledger.html"
    context_object_name = "rows"
    filterset_class = LedgerFilterSet
    # The page's rows and total in one statement (a window count), as the village list.
    paginator_class = WindowCountPaginator
    keep_statement = True

    def base_queryset(self):
        # self.today: the day FilteredListMixin keys the kept statement on.
        return selectors.ledger_page_rows(user=self.request.user, today=self.today)

    # Rows as values(): the page only reads fields, and building the assignment, task,
    # program and department of fifty rows cost more than their SQL.
    row_fields = (
        "id",
        "role",
        "task_id",
        "task__code",
        "task__title",
        "task__status",
        "department__name",
        "period",
        "report",
        "overdue_since",
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for row in context["page_obj"].object_list:
            _ledger_cells(row, self.today)
        context["today"] = self.today
        return context


_ROLE_LABELS = dict(AssignmentRole.choices)
_STATUS_LABELS = dict(ReportStatus.choices)
_STATUS_BADGES = {ReportStatus.ACCEPTED: "ok", ReportStatus.RETURNED: "bad", ReportStatus.SUBMITTED: "warn"}


def _ledger_cells(row: dict, today) -> None:
    """What a ledger row's cells show, as plain values: the template writes them out without a
    filter or tag per cell (fifty rows of ten cells, where each cost more than the row's SQL)."""
    row["url"] = reverse_id("tasks:task_detail", row["task_id"])
    row["closed_out"] = row["task__status"] == TaskStatus.CLOSED_OUT
    row["role_display"] = _ROLE_LABELS.get(row["role"], row["role"])
    period = row["period"] or {}
    row["period_label"] = period.get("label") or "—"
    row["period_due"] = period["due"] if period.get("due") else "—"
    report = row["report"]
    if report is None:
        row["report_url"] = None
        row["badge"], row["status_label"] = "muted", "未报送"
        row["percent"] = row["submitted"] = "—"
    else:
        row["report_url"] = reverse_id("tasks:report_detail", report["id"])
        row["badge"] = _STATUS_BADGES.get(report["status"], "muted")
        row["status_label"] = _STATUS_LABELS[report["status"]]
        # The report's own period, named when it is not the current one.
        row["report_period"] = report["period_label"] if report["period_label"] != period.get("label") else None
        row["percent"] = f"{report['percent']}%"
        row["submitted"] = _local_minute(report["submitted_at"])
    since = row["overdue_since"]
    row["days_overdue"] = (today - since).days if since is not None else None
    row["html"] = ledger_row(row)


def ledger_row(row: dict) -> SafeString:
    """One row of the ledger table from its cells (_ledger_cells), written in Python: fifty rows of
    ten cells through the template engine cost the page more than its statement
    (tests/tasks/test_ledger_row.py compares this with the template it replaced)."""
    closed = ' <span class="badge ok">已销号</span>' if row["closed_out"] else ""
    badge = f'<span class="badge {escape(row["badge"])}">{escape(row["status_label"])}</span>'
    if row["report_url"]:
        period = row.get("report_period")
        shown_period = f' <span class="muted">{escape(period)}</span>' if period is not None else ""
        status = f'<a href="{escape(row["report_url"])}">{badge}</a>{shown_period}'
    else:
        status = badge
    days = row["days_overdue"]
    overdue = f'<span class="badge bad">{days}</span>' if days is not None else "—"
    code, unit = escape(row["task__code"]), escape(row["department__name"])
    return mark_safe(  # noqa: S308 — every value is escaped or one of the fixed texts above
        f'\n    <tr data-task="{code}" data-unit="{unit}">\n'
        f'      <td data-label="编号" class="nowrap">{code}</td>\n'
        f'      <td data-label="任务名称"><a href="{escape(row["url"])}">{escape(row["task__title"])}</a>'
        f"{closed}</td>\n"
        f'      <td data-label="单位">{unit}</td>\n'
        f'      <td data-label="职责">{escape(row["role_display"])}</td>\n'
        f'      <td data-label="期次">{escape(row["period_label"])}</td>\n'
        f'      <td data-label="截止日" class="nowrap">{escape(row["period_due"])}</td>\n'
        f'      <td data-label="状态">{status}</td>\n'
        f'      <td data-label="进度" class="num">{escape(row["percent"])}</td>\n'
        f'      <td data-label="提交时间" class="nowrap">{escape(row["submitted"])}</td>\n'
        f'      <td data-label="逾期天数" class="num">{overdue}</td>\n'
        "    </tr>\n  "
    )


def _local_minute(value: str | None) -> str:
    """A timestamp read from JSON (ISO text; SQLite's without an offset is UTC) as the county's
    local "Y-m-d H:i", "—" when there is none."""
    if not value:
        return "—"
    moment = datetime.datetime.fromisoformat(value)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=datetime.UTC)
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


class LedgerExportView(ScopedViewMixin, View):
    """The ledger as the page filters it, in the layout printed for a meeting."""

    access = staticmethod(permissions.can_view_tasks)

    def get(self, request):
        from tasks.excel import ledger_response

        today = timezone.localdate()
        filterset, rows = filtered(LedgerFilterSet, request, selectors.ledger_rows(user=request.user, today=today))
        program = filterset.form.cleaned_data.get("program") if filterset.is_bound and filterset.is_valid() else None
        return ledger_response(rows=rows, program=program, today=today)


class CompletenessView(ScopedViewMixin, TemplateView):
    """报送情况: per reporting unit, reports expected, received and on time, with the two
    rates (DHIS2), and each department's tasks and close-outs."""

    access = staticmethod(permissions.can_view_tasks)
    template_name = "tasks/completeness.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        program = program_for_code(user=user, code=self.request.GET.get("program"))
        if program is None:
            raise Http404("没有可用的试点项目。")
        today = timezone.localdate()
        default_year = program.default_year(today)
        year = int_param(self.request.GET.get("year"), default_year)
        if year not in program.years:
            year = default_year
        as_of = year_as_of(year, today)
        rows = selectors.completeness(user=user, program=program, year=year, as_of=as_of)
        context.update(
            program=program,
            programs=visible_programs(user=user),
            year=year,
            as_of=as_of,
            rows=rows,
            totals=selectors.completeness_totals(rows),
            departments=selectors.department_stats(user=user, program=program, year=year, as_of=as_of),
        )
        return context
