"""Pages of 申请补报: the unit asks for its locked period to be reopened; the county office sees
the requests in its queue and grants (until a date) or refuses them (with a reason). Thin: rows
through visible_to and the selectors, each write one call of tasks.services_unlock."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, ListView

from pilot_admin.actions import ActionView
from pilot_admin.forms import apply_validation_error
from pilot_admin.scoping import ScopedViewMixin
from tasks import permissions, selectors, services, services_unlock
from tasks.choices import UnlockRequestStatus
from tasks.forms import UnlockDecisionForm, UnlockRequestForm
from tasks.models import ProgressReport, ReportUnlockRequest
from tasks.views import own_unit_period


class UnlockRequestCreateView(ScopedViewMixin, FormView):
    """申请补报 for one locked period of the user's unit, with the unit's earlier requests for it
    (a pending one is shown instead of the form)."""

    access = staticmethod(permissions.can_report)
    template_name = "tasks/unlock_request_form.html"
    form_class = UnlockRequestForm

    def load(self, request, *args, **kwargs):
        self.period, self.unit = own_unit_period(request, kwargs["pk"])

    def form_valid(self, form):
        try:
            services_unlock.unlock_request_create(
                actor=self.request.user, period=self.period, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "补报申请已提交，县领导小组办公室处理后会通知您。")
        return redirect("tasks:unlock_request_create", pk=self.period.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        requests = list(
            ReportUnlockRequest.objects.visible_to(self.request.user)
            .filter(period=self.period, department=self.unit)
            .select_related("requested_by", "decided_by", "unlock")
            .order_by("-requested_at", "-pk")
        )
        locked = services.is_locked(period=self.period, department=self.unit)
        report = ProgressReport.objects.filter(period=self.period, department=self.unit).first()
        context.update(
            period=self.period,
            task=self.period.task,
            unit=self.unit,
            lock_date=services.lock_date(self.period),
            locked=locked,
            report=report,
            requests=requests,
            pending=next((r for r in requests if r.status == UnlockRequestStatus.PENDING), None),
            can_ask=locked
            and (report is None or report.status in services.EDITABLE_STATUSES)
            and not any(r.status == UnlockRequestStatus.PENDING for r in requests),
        )
        return context


class UnlockRequestQueueView(ScopedViewMixin, ListView):
    """补报申请: the county office's queue, pending first, each with its grant and refuse forms."""

    access = staticmethod(permissions.can_manage_tasks)
    template_name = "tasks/unlock_request_queue.html"
    context_object_name = "requests"
    paginate_by = 50

    def get_queryset(self):
        return selectors.unlock_request_queue(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            today=timezone.localdate(),
            pending_count=selectors.pending_unlock_request_count(user=self.request.user),
        )
        return context


class UnlockRequestDecideView(ActionView):
    """POST-only: 同意 (with the date the period stays open until) or 不同意 (with a reason)."""

    access = staticmethod(permissions.can_manage_tasks)
    actions = ("grant", "refuse")

    def get_queryset(self):
        return ReportUnlockRequest.objects.visible_to(self.request.user).select_related("period", "department")

    def default_url(self, target):
        return reverse("tasks:unlock_request_queue")

    def do_grant(self, request):
        form = UnlockDecisionForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError("请填写有效的解锁截止日期（YYYY-MM-DD）。")
        request = services_unlock.unlock_request_grant(
            actor=self.request.user, request=request, until=form.cleaned_data["until"]
        )
        return f"已同意“{request.department}”补报“{request.period.label}”，解锁至 {request.unlock.until:%Y-%m-%d}。"

    def do_refuse(self, request):
        request = services_unlock.unlock_request_refuse(
            actor=self.request.user, request=request, reason=self.request.POST.get("reason", "")
        )
        return f"已答复“{request.department}”：不同意补报“{request.period.label}”。"
