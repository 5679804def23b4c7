"""Workflow pages of the assessments app: score templates, scheduling, the scoring form,
confirmation, and rectification. Rows come through visible_to / editable_by (a foreign id is a
404); every write is one call of an assessments.services function whose ValidationError becomes
a form error or a message."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from assessments import permissions, selectors, services
from assessments.choices import InspectionStatus, RectificationStatus, TemplateStatus
from assessments.filters import InspectionFilterSet
from assessments.forms import (
    EvidenceForm,
    ReasonForm,
    ReinspectionForm,
    ScheduleForm,
    ScoringForm,
    TemplateCopyForm,
    TemplateItemForm,
)
from assessments.models import Inspection, InspectionEvidence, Rectification, ScoreItem, ScoreTemplate
from pilot_admin import uploads
from pilot_admin.actions import ActionView, Confirmation, ConfirmStepMixin, Done
from pilot_admin.audit.services import audit_entries_for
from pilot_admin.forms import apply_validation_error
from pilot_admin.lists import filtered
from pilot_admin.scoping import ScopedViewMixin


def _sections(items):
    """[(section, [item, …]), …] of items already ordered by sheet order."""
    sections = []
    for item in items:
        if not sections or sections[-1][0] != item.section:
            sections.append((item.section, []))
        sections[-1][1].append(item)
    return sections


def _village_text(inspection) -> str:
    village = inspection.pilot.village
    return f"{village.township.name} · {village.name}"


def _sheet_items(template):
    return list(template.items.select_related("section").order_by("section__order", "order"))


# --- templates ----------------------------------------------------------------------------------


class TemplateListView(ScopedViewMixin, ListView):
    access = staticmethod(permissions.can_view_assessments)
    template_name = "assessments/template_list.html"
    context_object_name = "templates"

    def get_queryset(self):
        return (
            ScoreTemplate.objects.visible_to(self.request.user)
            .select_related("program")
            .order_by("program__name", "-year")
        )


class TemplateDetailView(ScopedViewMixin, DetailView):
    """评分表: items by section with their maxima; for the county office, a draft's edit,
    publish and copy."""

    access = staticmethod(permissions.can_view_assessments)
    template_name = "assessments/template_detail.html"
    context_object_name = "template"

    def get_queryset(self):
        return ScoreTemplate.objects.visible_to(self.request.user).select_related("program", "published_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        template = self.object
        total = services.template_total(template)
        can_manage = permissions.can_manage_assessments(self.request.user)
        context.update(
            sections=_sections(_sheet_items(template)),
            total=total,
            total_ok=total == services.TOTAL_POINTS,
            is_draft=template.status == TemplateStatus.DRAFT,
            can_manage=can_manage,
            copy_form=TemplateCopyForm(initial={"year": template.year + 1}) if can_manage else None,
        )
        return context


class TemplateItemFormView(ScopedViewMixin, FormView):
    """Add or change one item of a draft template."""

    access = staticmethod(permissions.can_manage_assessments)
    template_name = "assessments/template_item_form.html"
    form_class = TemplateItemForm

    def load(self, request, *args, **kwargs):
        self.template = get_object_or_404(ScoreTemplate.objects.editable_by(request.user), pk=kwargs["pk"])
        self.item = None
        if "item_pk" in kwargs:
            self.item = get_object_or_404(
                ScoreItem.objects.select_related("section"), template=self.template, pk=kwargs["item_pk"]
            )

    def get_initial(self):
        if self.item is None:
            return {}
        return {
            "section_title": self.item.section.title,
            "code": self.item.code,
            "title": self.item.title,
            "guidance": self.item.guidance,
            "max_points": self.item.max_points,
        }

    def form_valid(self, form):
        try:
            item = services.template_item_save(
                actor=self.request.user, template=self.template, item=self.item, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"已保存评分项目 {item.code}。")
        return redirect(self.template)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            template=self.template,
            item=self.item,
            locked=self.template.status == TemplateStatus.PUBLISHED,
        )
        return context


class TemplateActionView(ConfirmStepMixin, ActionView):
    """发布 (after its confirmation page: it cannot be undone) or 复制到新年度 (POST)."""

    access = staticmethod(permissions.can_manage_assessments)
    actions = ("publish", "copy")

    def get_queryset(self):
        return ScoreTemplate.objects.editable_by(self.request.user)

    def confirm_publish(self, template):
        total = services.template_total(template)
        items = template.items.count()
        details = [
            f"{template.program.name} · {template.year}年，共 {items} 个评分项目，满分合计 {total.normalize():f} 分。",
            "发布后评分项目不能再修改、增加或删除；需要修改时，复制为新年度的评分表。",
            "发布后即可用它安排本年度的检查验收。",
        ]
        if total != services.TOTAL_POINTS:
            details.insert(1, f"满分合计应为 {services.TOTAL_POINTS:.0f} 分，现在不能发布。")
        return Confirmation(
            title=f"发布评分表：{template.name}",
            question="确认发布这张评分表？发布后不能再修改。",
            details=tuple(details),
            button="确认发布",
        )

    def do_publish(self, template):
        services.template_publish(actor=self.request.user, template=template)
        return "评分表已发布，此后不能修改。"

    def do_copy(self, template):
        form = TemplateCopyForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError([f"新年度：{'；'.join(errors)}" for errors in form.errors.values()])
        copy = services.template_copy(actor=self.request.user, template=template, year=form.cleaned_data["year"])
        return Done(f"已复制为 {copy.year} 年评分表（草稿）。", then=copy)


# --- inspections --------------------------------------------------------------------------------


class InspectionListView(ScopedViewMixin, ListView):
    """检查验收: the inspections the user may see, filtered by program, year, township, grade and
    status."""

    access = staticmethod(permissions.can_view_assessments)
    template_name = "assessments/inspection_list.html"
    context_object_name = "inspections"
    paginate_by = 50

    def get_queryset(self):
        queryset = selectors.inspection_list(user=self.request.user).order_by(
            "-year", "pilot__village__township__name", "pilot__village__name", "pk"
        )
        self.filterset, rows = filtered(InspectionFilterSet, self.request, queryset)
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filterset=self.filterset,
            query_string=query.urlencode(),
            can_manage=permissions.can_manage_assessments(self.request.user),
        )
        return context


class InspectionScheduleView(ScopedViewMixin, FormView):
    """安排检查: a pilot village, a year and its team."""

    access = staticmethod(permissions.can_manage_assessments)
    template_name = "assessments/inspection_schedule.html"
    form_class = ScheduleForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        try:
            inspection = services.inspection_schedule(actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"已安排 {inspection}，检查组可以评分了。")
        return redirect(inspection)


class EvidenceUploadView(ActionView):
    """POST-only: the team adds a photo or document to a draft sheet, optionally for one item."""

    access = staticmethod(permissions.can_score)

    def get_queryset(self):
        return Inspection.objects.visible_to(self.request.user)

    def perform(self, inspection):
        item = None
        item_id = self.request.POST.get("item", "")
        if item_id.isdigit():
            item = inspection.template.items.filter(pk=item_id).first()
        upload = self.request.FILES.get("file")
        if upload is None:
            raise ValidationError("请选择要上传的文件。")
        evidence = services.evidence_add(actor=self.request.user, inspection=inspection, upload=upload, item=item)
        return f"已上传佐证材料：{evidence.original_name}"


class EvidenceDownloadView(ScopedViewMixin, View):
    """Streams evidence of a visible inspection; never a public media URL."""

    access = staticmethod(permissions.can_view_assessments)

    def get(self, request, pk):
        visible = Inspection.objects.visible_to(request.user).values("pk")
        evidence = get_object_or_404(InspectionEvidence.objects.filter(inspection__in=visible), pk=pk)
        return uploads.attachment_response(evidence.file, evidence.original_name)


class InspectionDetailView(ScopedViewMixin, DetailView):
    """The sheet of one inspection by section with its scores, rectifications and 修改记录; the
    county office's 确认 / 退回 / 安排复查."""

    access = staticmethod(permissions.can_view_assessments)
    template_name = "assessments/inspection_detail.html"
    context_object_name = "inspection"

    def get_queryset(self):
        return selectors.inspection_list(user=self.request.user).select_related(
            "submitted_by", "confirmed_by", "pilot__village__township"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        inspection, user = self.object, self.request.user
        scores = {score.item_id: score for score in inspection.scores.all()}
        items = _sheet_items(inspection.template)
        for item in items:
            item.score = scores.get(item.pk)
        can_manage = permissions.can_manage_assessments(user)
        can_score = (
            permissions.can_score(user)
            and inspection.status == InspectionStatus.DRAFT
            and Inspection.objects.editable_by(user).filter(pk=inspection.pk).exists()
        )
        context.update(
            sections=_sections(items),
            team=inspection.inspectors.order_by("username"),
            rectifications=Rectification.objects.visible_to(user)
            .filter(inspection=inspection)
            .select_related("item", "responsible_unit"),
            reinspections=selectors.inspection_list(user=user).filter(original=inspection),
            can_score=can_score,
            evidence=inspection.evidence.select_related("item", "uploaded_by"),
            can_confirm=can_manage and inspection.status == InspectionStatus.SUBMITTED,
            can_reinspect=can_manage and inspection.status == InspectionStatus.CONFIRMED,
            return_form=ReasonForm(),
            reinspection_form=ReinspectionForm(user=user) if can_manage else None,
            audit_entries=audit_entries_for(inspection)[:50],
        )
        return context


class InspectionScoreView(ScopedViewMixin, FormView):
    """The inspector's scoring form (phone-friendly): one row per item, 保存 or 提交. Only the
    team (and the county office) reach it; a submitted or confirmed sheet is shown as refused."""

    access = staticmethod(permissions.can_score)
    template_name = "assessments/inspection_score.html"
    form_class = ScoringForm

    def load(self, request, *args, **kwargs):
        self.inspection = get_object_or_404(
            Inspection.objects.editable_by(request.user).select_related(
                "template", "pilot__village__township", "pilot__program"
            ),
            pk=kwargs["pk"],
        )
        self.items = _sheet_items(self.inspection.template)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(items=self.items, scores={score.item_id: score for score in self.inspection.scores.all()})
        return kwargs

    def get_initial(self):
        return {"inspected_on": self.inspection.inspected_on, "version": self.inspection.version}

    def refusal(self) -> str:
        if self.inspection.status != InspectionStatus.DRAFT:
            return f"检查{self.inspection.get_status_display()}，不能再修改评分。"
        return ""

    def form_valid(self, form):
        user = self.request.user
        submit = self.request.POST.get("action") == "submit"
        try:
            # Save and submit together or not at all: a refused submission keeps no half-save.
            with transaction.atomic():
                inspection = services.inspection_scores_save(
                    actor=user,
                    inspection=self.inspection,
                    scores=form.score_inputs(),
                    inspected_on=form.cleaned_data["inspected_on"],
                    version=form.cleaned_data["version"],
                )
                if submit and (error := services.inspection_unscored_error(inspection)) is not None:
                    raise error
        except ValidationError as error:
            form.apply_service_errors(error)
            return self.form_invalid(form)
        if submit:
            # Saved; the submission itself waits for the confirmation page (it cannot be undone
            # by the team), which shows the total and grade to be submitted.
            messages.success(self.request, f"评分已保存（总分 {inspection.total}），请确认提交。")
            return redirect("assessments:inspection_submit", pk=inspection.pk)
        total = f"总分 {inspection.total}" if inspection.total is not None else "尚有项目未评分"
        messages.success(self.request, f"评分已保存（{total}）。")
        return redirect("assessments:inspection_score", pk=inspection.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(inspection=self.inspection, refusal=self.refusal())
        return context


class InspectionSubmitView(ConfirmStepMixin, ActionView):
    """提交: the scorer sees the total and grade of the saved sheet and confirms; the team can
    no longer change it (the county office confirms it or returns it)."""

    access = staticmethod(permissions.can_score)

    def get_queryset(self):
        return Inspection.objects.editable_by(self.request.user).select_related("pilot__village__township", "template")

    def default_url(self, inspection):
        return reverse("assessments:inspection_score", args=[inspection.pk])

    def confirmation(self, inspection):
        scored = inspection.scores.count()
        items = inspection.template.items.count()
        if inspection.total is None:
            outcome = f"已评 {scored}/{items} 项，还有项目未评分，不能提交。"
        else:
            outcome = f"总分 {inspection.total}，{inspection.get_grade_display()}（已评 {scored}/{items} 项）。"
        return Confirmation(
            title=f"提交评分：{inspection.year}年 {_village_text(inspection)}",
            question="确认提交这份评分表？提交后检查组不能再修改评分。",
            details=(outcome, "提交后由县领导小组办公室确认；有问题时会退回检查组重新评分。"),
            button="确认提交",
            fields=(("version", str(inspection.version)),),
        )

    def perform(self, inspection):
        version = self.request.POST.get("version", "")
        inspection = services.inspection_submit(
            actor=self.request.user, inspection=inspection, version=int(version) if version.isdigit() else None
        )
        return Done(
            f"已提交：总分 {inspection.total}，{inspection.get_grade_display()}。等待县领导小组办公室确认。",
            then=inspection,
        )


class InspectionActionView(ConfirmStepMixin, ActionView):
    """The county office's 确认 (after its confirmation page: it locks the result) / 退回 /
    安排复查 of one inspection."""

    access = staticmethod(permissions.can_manage_assessments)
    actions = ("confirm", "return", "reinspect")

    def get_queryset(self):
        return Inspection.objects.editable_by(self.request.user).select_related(
            "pilot__village__township", "pilot__program"
        )

    def confirm_confirm(self, inspection):
        if inspection.status != InspectionStatus.SUBMITTED:
            return Confirmation(
                title=f"确认检查结果：{inspection.year}年 {_village_text(inspection)}",
                question=f"检查{inspection.get_status_display()}，只有“已提交”的检查可以确认。",
                button="返回",
            )
        marked = inspection.scores.filter(rectify=True).count()
        program = inspection.pilot.program
        return Confirmation(
            title=f"确认检查结果：{inspection.year}年 {_village_text(inspection)}",
            question="确认这次检查的结果？确认后评分锁定，不能再退回或修改。",
            details=(
                f"总分 {inspection.total}，{inspection.get_grade_display()}。",
                f"列入整改的 {marked} 项"
                + ("及所有未得满分的项目（不合格）" if inspection.grade == "fail" else "")
                + f"将生成整改，期限 {program.rectification_days} 个{program.get_rectification_unit_display()}。",
            ),
            button="确认结果",
        )

    def do_confirm(self, inspection):
        inspection = services.inspection_confirm(actor=self.request.user, inspection=inspection)
        opened = inspection.rectifications.count()
        return f"已确认：总分 {inspection.total}，{inspection.get_grade_display()}" + (
            f"；已生成 {opened} 项整改。" if opened else "。"
        )

    def do_return(self, inspection):
        services.inspection_return(
            actor=self.request.user, inspection=inspection, reason=self.request.POST.get("reason")
        )
        return "已退回检查组重新评分。"

    def do_reinspect(self, inspection):
        form = ReinspectionForm(self.request.POST, user=self.request.user)
        if not form.is_valid():
            raise ValidationError("请选择复查组成员。")
        again = services.reinspection_create(
            actor=self.request.user, original=inspection, inspectors=form.cleaned_data["inspectors"]
        )
        return Done("已安排复查，原检查结果保留。", then=again)


# --- rectifications -----------------------------------------------------------------------------


UNVERIFIED = "unverified"


class RectificationListView(ScopedViewMixin, ListView):
    """整改: the county office sees all; a township its villages'; a department its own."""

    access = staticmethod(permissions.can_view_assessments)
    template_name = "assessments/rectification_list.html"
    context_object_name = "rectifications"
    paginate_by = 50

    def get_queryset(self):
        queryset = (
            Rectification.objects.visible_to(self.request.user)
            .select_related("item", "responsible_unit", "inspection__pilot__village__township")
            .order_by("deadline", "pk")
        )
        status = self.request.GET.get("status")
        self.status = status if status in [*RectificationStatus.values, UNVERIFIED] else ""
        if self.status == UNVERIFIED:
            # The dashboard's "open rectifications" (selectors.open_rectification_count).
            queryset = queryset.exclude(status=RectificationStatus.VERIFIED)
        elif self.status:
            queryset = queryset.filter(status=self.status)
        # ?program=<code>&year=<y>: those opened by that program's inspections of that year.
        self.program_code = self.request.GET.get("program", "")
        if self.program_code:
            queryset = queryset.filter(inspection__pilot__program__code=self.program_code)
        self.year = self.request.GET.get("year", "")
        if self.year:
            queryset = queryset.filter(inspection__year=self.year) if self.year.isdigit() else queryset.none()
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            statuses=[*RectificationStatus.choices, (UNVERIFIED, "未验收（整改中和已报结果）")],
            status=self.status,
            program_code=self.program_code,
            year=self.year,
        )
        return context


class RectificationDetailView(ScopedViewMixin, DetailView):
    access = staticmethod(permissions.can_view_assessments)
    template_name = "assessments/rectification_detail.html"
    context_object_name = "rectification"

    def get_queryset(self):
        return Rectification.objects.visible_to(self.request.user).select_related(
            "item", "responsible_unit", "verified_by", "inspection__pilot__village__township"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        row, user = self.object, self.request.user
        can_report = permissions.can_report_rectification(user) and row.status != RectificationStatus.VERIFIED
        context.update(
            evidence_form=EvidenceForm(initial={"evidence_text": row.evidence_text}) if can_report else None,
            can_verify=permissions.can_manage_assessments(user) and row.status == RectificationStatus.SUBMITTED,
            audit_entries=audit_entries_for(row)[:50],
        )
        return context


class RectificationSubmitView(ActionView):
    """POST-only: the responsible unit reports what it did."""

    access = staticmethod(permissions.can_report_rectification)

    def get_queryset(self):
        return Rectification.objects.visible_to(self.request.user)

    def perform(self, rectification):
        services.rectification_submit(
            actor=self.request.user,
            rectification=rectification,
            evidence_text=self.request.POST.get("evidence_text", ""),
        )
        return "整改情况已报送，等待县领导小组办公室验收。"


class RectificationVerifyView(ConfirmStepMixin, ActionView):
    """验收 by the county office, after its confirmation page: a verified rectification is closed."""

    access = staticmethod(permissions.can_manage_assessments)

    def get_queryset(self):
        return Rectification.objects.editable_by(self.request.user).select_related("item", "responsible_unit")

    def confirmation(self, rectification):
        return Confirmation(
            title=f"验收整改：{rectification.item.code} {rectification.item.title}",
            question="确认验收这项整改？验收后整改关闭，责任单位不能再修改整改情况。",
            details=(
                f"责任单位：{rectification.responsible_unit}",
                f"整改情况：{rectification.evidence_text or '（未填写）'}",
            ),
            button="确认验收",
        )

    def perform(self, rectification):
        services.rectification_verify(actor=self.request.user, rectification=rectification)
        return "整改已验收。"
