"""The county office's acceptance page of one pilot village (验收, 销号, 试点示范村): the latest
inspection and its grade, the open rectifications, the construction standards, the form; and
the 撤销验收 / 示范村 buttons. Every write is one call of assessments.services_acceptance."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import FormView

from assessments import services_acceptance as acceptance
from assessments.choices import InspectionStatus
from assessments.forms import AcceptanceForm
from assessments.models import Inspection
from pilot_admin.actions import ActionView
from pilot_admin.forms import apply_validation_error
from pilot_admin.scoping import ScopedViewMixin
from villages import permissions as village_permissions
from villages.choices import PilotStatus
from villages.models import PilotAssignment


def _pilots(user):
    return PilotAssignment.objects.editable_by(user).select_related(
        "program", "village__township", "approved_by", "accepted_by"
    )


class PilotAcceptView(ScopedViewMixin, FormView):
    access = staticmethod(village_permissions.can_manage_pilots)
    template_name = "assessments/pilot_accept.html"
    form_class = AcceptanceForm

    def load(self, request, *args, **kwargs):
        self.pilot = get_object_or_404(_pilots(request.user), pk=kwargs["pk"])
        self.standards = acceptance.standards_state(self.pilot)

    def get_initial(self):
        return {"accepted_on": timezone.localdate()}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            pilot = acceptance.pilot_accept(
                actor=self.request.user,
                assignment=self.pilot,
                accepted_on=data["accepted_on"],
                document_no=data["document_no"],
                standards=self.standards,
                reason=data["reason"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{pilot.village.name}已验收（{pilot.acceptance_document_no}），移出在册台账。")
        return redirect(pilot)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pilot = self.pilot
        rectifications = list(
            acceptance.open_rectifications(pilot)
            .select_related("item", "responsible_unit", "inspection")
            .order_by("deadline", "pk")
        )
        facts = acceptance.AcceptanceFacts(
            inspection=acceptance.latest_inspection(pilot),
            open_rectifications=len(rectifications),
            standards=self.standards,
        )
        context.update(
            pilot=pilot,
            facts=facts,
            rectifications=rectifications,
            # Scheduled or re-scored inspections not confirmed yet: acceptance may wait for them.
            pending=list(
                Inspection.objects.filter(pilot=pilot)
                .exclude(status=InspectionStatus.CONFIRMED)
                .order_by("-year", "-pk")
            ),
            can_accept=pilot.status == PilotStatus.APPROVED,
            is_accepted=pilot.status == PilotStatus.ACCEPTED,
        )
        return context


class PilotAcceptanceActionView(ActionView):
    """POST-only: 撤销验收, 命名 or 取消 试点示范村."""

    access = staticmethod(village_permissions.can_manage_pilots)
    actions = ("reopen", "name_demonstration", "unname_demonstration")

    def get_queryset(self):
        return _pilots(self.request.user)

    def default_url(self, pilot):
        return pilot.get_absolute_url()

    def do_reopen(self, pilot):
        acceptance.pilot_reopen(actor=self.request.user, assignment=pilot, reason=self.request.POST.get("reason", ""))
        return "已撤销验收，该试点回到在册台账（已审批）。"

    def do_name_demonstration(self, pilot):
        acceptance.pilot_set_demonstration(
            actor=self.request.user, assignment=pilot, named=True, reason=self.request.POST.get("reason", "")
        )
        return f"已将{pilot.village.name}命名为试点示范村。"

    def do_unname_demonstration(self, pilot):
        acceptance.pilot_set_demonstration(
            actor=self.request.user, assignment=pilot, named=False, reason=self.request.POST.get("reason", "")
        )
        return f"已取消{pilot.village.name}的试点示范村称号。"
