"""The import pages, one set for every kind an app registers in its excel.py."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView

from pilot_admin.choices import ImportStatus
from pilot_admin.excel import (
    XLSX_CONTENT_TYPE,
    annotated_response,
    can_import_any,
    check_upload,
    import_kinds,
    import_run_commit,
    import_run_start,
    run_has_cell_errors,
    template_response,
)
from pilot_admin.models import ImportRun
from pilot_admin.scoping import ScopedViewMixin

RECENT_RUNS = 20


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Excel 文件",
        help_text="只接受 .xlsx 格式；第一个工作表的第1行为表头。",
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
    )
    dry_run = forms.BooleanField(
        label="仅检查不写入",
        required=False,
        initial=True,
        help_text="勾选时只检查并报告将新增、更新多少条；检查通过后可在结果页直接正式导入。",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_upload(upload)
        return upload


def _kind_for(user, key):
    """The kind named in the URL: unknown is a 404, not permitted to this role a 403."""
    kind = import_kinds.get(key)
    if kind is None:
        raise Http404("没有这种导入。")
    if not kind.permission(user):
        raise PermissionDenied("您的角色无权进行此项导入。")
    return kind


def _visible_run(user, pk) -> ImportRun:
    return get_object_or_404(ImportRun.objects.visible_to(user).select_related("actor"), pk=pk)


class ImportListView(ScopedViewMixin, TemplateView):
    access = staticmethod(can_import_any)
    template_name = "pilot_admin/import_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["kinds"] = import_kinds.for_user(user)
        context["runs"] = _with_labels(ImportRun.objects.visible_to(user).select_related("actor")[:RECENT_RUNS])
        return context


class ImportUploadView(ScopedViewMixin, FormView):
    access = staticmethod(can_import_any)
    template_name = "pilot_admin/import_upload.html"
    form_class = ImportUploadForm

    def load(self, request, *args, **kwargs):
        self.kind = _kind_for(request.user, kwargs["kind"])

    def form_valid(self, form):
        run = import_run_start(
            actor=self.request.user,
            kind=self.kind,
            upload=form.cleaned_data["file"],
            dry_run=form.cleaned_data["dry_run"],
        )
        return redirect(run)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["kind"] = self.kind
        context["background_rows"] = settings.IMPORT_BACKGROUND_ROWS
        runs = ImportRun.objects.visible_to(self.request.user).filter(kind=self.kind.key).select_related("actor")
        context["runs"] = _with_labels(runs[:RECENT_RUNS])
        return context


class ImportTemplateView(ScopedViewMixin, View):
    access = staticmethod(can_import_any)

    def load(self, request, *args, **kwargs):
        self.kind = _kind_for(request.user, kwargs["kind"])

    def get(self, request, *args, **kwargs):
        return template_response(self.kind)


class ImportRunDetailView(ScopedViewMixin, DetailView):
    access = staticmethod(can_import_any)
    template_name = "pilot_admin/import_run_detail.html"
    context_object_name = "run"

    def get_object(self, queryset=None):
        return _visible_run(self.request.user, self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run, user = self.object, self.request.user
        kind = import_kinds.get(run.kind)
        context.update(
            kind=kind,
            kind_label=kind.label if kind else run.kind,
            can_run_kind=kind is not None and kind.permission(user),
            has_annotated=run.status == ImportStatus.FAILED and run_has_cell_errors(run),
            can_commit=run.status == ImportStatus.CHECKED and bool(run.upload),
        )
        return context


class ImportRunAnnotatedView(ScopedViewMixin, View):
    """The user's workbook back with every bad cell marked."""

    access = staticmethod(can_import_any)

    def get(self, request, pk):
        run = _visible_run(request.user, pk)
        if not run_has_cell_errors(run):
            raise Http404("这次导入没有可标注的错误，或文件已超过保留期限被删除。")
        return annotated_response(run, import_kinds.get(run.kind))


class ImportRunCommitView(ScopedViewMixin, View):
    """POST-only: import for real the stored file of a dry run that passed."""

    access = staticmethod(can_import_any)

    def post(self, request, pk):
        run = _visible_run(request.user, pk)
        kind = _kind_for(request.user, run.kind)
        try:
            run = import_run_commit(actor=request.user, run=run, kind=kind)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(run)
        if run.in_progress:
            messages.info(request, "文件较大，已转入后台正式导入；本页会自动刷新显示进度。")
        elif run.status == ImportStatus.DONE:
            messages.success(request, f"已导入：新增 {run.created_count} 条，更新 {run.updated_count} 条。")
        else:
            messages.error(request, "正式导入时发现错误（数据可能在试导入之后有变化），未写入任何数据。")
        return redirect(run)


def _with_labels(runs):
    """Runs with the label of their kind, for the history tables."""
    runs = list(runs)
    for run in runs:
        kind = import_kinds.get(run.kind)
        run.kind_label = kind.label if kind else run.kind
    return runs
