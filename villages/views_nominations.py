"""Pages of the nomination (申报) workflow and of the provincial key support on a pilot. Thin:
each finds its rows through a selector (visible_to) and calls one service."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, FormView, ListView, TemplateView

from pilot_admin.actions import ActionView
from pilot_admin.audit.services import audit_entries_for
from pilot_admin.forms import apply_validation_error
from pilot_admin.lists import FilteredListMixin
from pilot_admin.params import int_param
from pilot_admin.scoping import ScopedViewMixin
from villages import permissions, selectors
from villages import selectors_nominations as nomination_selectors
from villages import services_nominations as services
from villages.choices import NominationState
from villages.filters import PilotNominationFilterSet
from villages.forms import NominationForm, NominationResubmitForm, ProvincialStatusForm, ReasonForm
from villages.models import PilotAssignment, PilotNomination


def _program_and_year(request):
    """The program (by code, else the newest visible) and a year of it (else the program's
    default year) the page is about."""
    params = request.POST if request.method == "POST" else request.GET
    program = selectors.program_for_code(user=request.user, code=params.get("program"))
    if program is None:
        raise Http404("没有可用的试点项目。")
    default_year = program.default_year(timezone.localdate())
    year = int_param(params.get("year"), default_year)
    return program, year if year in program.years else default_year


class NominationListView(ScopedViewMixin, FilteredListMixin, ListView):
    """Nominations and their states: a township its own, the county its townships'."""

    access = staticmethod(permissions.can_view_villages)
    template_name = "villages/nomination_list.html"
    context_object_name = "nominations"
    filterset_class = PilotNominationFilterSet

    def base_queryset(self):
        return nomination_selectors.nomination_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_nominate"] = permissions.can_nominate(user)
        context["can_review"] = permissions.can_review_nominations(user)
        return context


class NominationCreateView(ScopedViewMixin, FormView):
    """The township ticks the villages it nominates for a program year."""

    access = staticmethod(permissions.can_nominate)
    template_name = "villages/nomination_form.html"
    form_class = NominationForm

    def load(self, request, *args, **kwargs):
        self.program, self.year = _program_and_year(request)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["candidates"] = nomination_selectors.nomination_candidates(user=self.request.user, program=self.program)
        return kwargs

    def form_valid(self, form):
        try:
            created = services.nominations_create(
                actor=self.request.user, program=self.program, year=self.year, items=form.cleaned_data["items"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"已申报 {len(created)} 个村，等待县里审核。")
        return redirect(reverse("villages:nomination_list") + f"?program={self.program.code}&year={self.year}")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        report = selectors.pilot_quota_stats(user=user, program=self.program, year=self.year)
        context.update(
            program=self.program,
            year=self.year,
            programs=selectors.visible_programs(user=user),
            own=report.townships[0] if report.townships else None,
            guidance=nomination_selectors.SELECTION_GUIDANCE,
        )
        return context


class NominationDetailView(ScopedViewMixin, DetailView):
    access = staticmethod(permissions.can_view_villages)
    template_name = "villages/nomination_detail.html"
    context_object_name = "nomination"

    def get_queryset(self):
        return nomination_selectors.nomination_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, nomination = self.request.user, self.object
        context.update(
            audit_entries=audit_entries_for(nomination)[:50],
            can_withdraw=permissions.can_nominate(user)
            and nomination.state in (NominationState.PENDING, NominationState.RETURNED),
            can_resubmit=permissions.can_nominate(user) and nomination.state == NominationState.RETURNED,
            can_review=permissions.can_review_nominations(user) and nomination.state == NominationState.PENDING,
            return_form=ReasonForm(),
        )
        return context


class NominationResubmitView(ScopedViewMixin, FormView):
    """The township corrects a returned nomination and sends it again."""

    access = staticmethod(permissions.can_nominate)
    template_name = "villages/nomination_resubmit.html"
    form_class = NominationResubmitForm

    def load(self, request, *args, **kwargs):
        self.nomination = get_object_or_404(nomination_selectors.nomination_list(user=request.user), pk=kwargs["pk"])

    def get_initial(self):
        n = self.nomination
        return {
            "reason": n.reason,
            "guidance_category": n.guidance_category,
            "applies_provincial_support": n.applies_provincial_support,
            "wishes_demonstration": n.wishes_demonstration,
        }

    def form_valid(self, form):
        try:
            nomination = services.nomination_resubmit(
                actor=self.request.user, nomination=self.nomination, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{nomination.village.name} 已重新申报，等待县里审核。")
        return redirect(nomination)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nomination"] = self.nomination
        return context


class NominationDecideView(ActionView):
    """POST-only: the county office approves or returns one nomination."""

    access = staticmethod(permissions.can_review_nominations)
    actions = ("approve", "return")

    def get_queryset(self):
        return PilotNomination.objects.visible_to(self.request.user)

    def do_approve(self, nomination):
        nomination = services.nomination_approve(actor=self.request.user, nomination=nomination)
        return f"已批准：{nomination.village.name}列为{nomination.year}年试点村。"

    def do_return(self, nomination):
        nomination = services.nomination_return(
            actor=self.request.user, nomination=nomination, reason=self.request.POST.get("reason", "")
        )
        return f"已退回{nomination.village.township.name}：{nomination.village.name}。"


class NominationBulkApproveView(ActionView):
    """POST-only: approve the nominations ticked in the queue, all or none."""

    access = staticmethod(permissions.can_review_nominations)

    def get_object(self):
        ids = [value for value in self.request.POST.getlist("nominations") if value.isdigit()]
        return list(PilotNomination.objects.visible_to(self.request.user).filter(pk__in=ids).order_by("pk"))

    def default_url(self, nominations):
        return reverse("villages:nomination_queue")

    def perform(self, nominations):
        services.nominations_approve(actor=self.request.user, nominations=nominations)
        return f"已批准 {len(nominations)} 个村的试点申报。"


class NominationWithdrawView(ActionView):
    """POST-only: the township takes back its nomination."""

    access = staticmethod(permissions.can_nominate)

    def get_queryset(self):
        return PilotNomination.objects.visible_to(self.request.user)

    def perform(self, nomination):
        nomination = services.nomination_withdraw(actor=self.request.user, nomination=nomination)
        return f"已撤回：{nomination.village.name}。"


class NominationQueueView(ScopedViewMixin, TemplateView):
    """The county office's queue: pending nominations by township, each beside its standing
    against the year's quota, and the county's (R-A2–R-A4)."""

    access = staticmethod(permissions.can_review_nominations)
    template_name = "villages/nomination_queue.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        program, year = _program_and_year(self.request)
        context.update(
            program=program,
            year=year,
            programs=selectors.visible_programs(user=user),
            queue=nomination_selectors.nomination_queue(user=user, program=program, year=year),
            return_form=ReasonForm(),
        )
        return context


class PilotProvincialView(ActionView):
    """POST-only: on the pilot page, the county office records the application for provincial
    key support or the province's decision."""

    access = staticmethod(permissions.can_manage_pilots)

    def get_queryset(self):
        return PilotAssignment.objects.visible_to(self.request.user)

    def perform(self, pilot):
        form = ProvincialStatusForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError([m for errors in form.errors.values() for m in errors])
        pilot = services.pilot_provincial_status_set(
            actor=self.request.user,
            assignment=pilot,
            status=form.cleaned_data["status"],
            decided_on=form.cleaned_data["decided_on"],
        )
        return f"省级重点支持：{pilot.get_provincial_status_display()}。"
