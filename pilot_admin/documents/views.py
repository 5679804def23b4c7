"""The county office's document-template pages, and the base of every page that issues a
document: a small form for the 文号, issuing office and date, answered with the .docx."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from pilot_admin.documents import (
    DOCX_CONTENT_TYPE,
    DocumentKind,
    chinese_date,
    document_kinds,
    document_response,
    render,
    template_bytes,
)
from pilot_admin.documents.services import can_manage_templates, document_template_reset, document_template_upload
from pilot_admin.forms import apply_validation_error
from pilot_admin.models import DocumentTemplate
from pilot_admin.scoping import ScopedViewMixin


def _kind(key: str) -> DocumentKind:
    kind = document_kinds.get(key)
    if kind is None:
        raise Http404("没有这种文书。")
    return kind


class DocumentTemplateListView(ScopedViewMixin, TemplateView):
    """文书模板: every document the system issues, and whether the county uses its own template."""

    access = staticmethod(can_manage_templates)
    template_name = "pilot_admin/document_template_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        own = {t.kind: t for t in DocumentTemplate.objects.visible_to(self.request.user).select_related("uploaded_by")}
        context["rows"] = [(kind, own.get(kind.key)) for kind in document_kinds.all()]
        return context


class DocumentTemplateForm(forms.Form):
    file = forms.FileField(
        label="Word 模板（.docx）",
        help_text="在默认模板或本县原有的公文模板中写入上面列出的占位符，保存为 .docx 后上传。",
        widget=forms.ClearableFileInput(attrs={"accept": f".docx,{DOCX_CONTENT_TYPE}"}),
    )


class DocumentTemplateUploadView(ScopedViewMixin, FormView):
    access = staticmethod(can_manage_templates)
    template_name = "pilot_admin/document_template_upload.html"
    form_class = DocumentTemplateForm

    def dispatch(self, request, *args, **kwargs):
        self.kind = _kind(kwargs["kind"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            kind=self.kind,
            # The template syntax spelt out as a county writes it, beside what each value means.
            row_fields=[
                (f"{{%tr for row in {loop} %}}", [(f"{{{{ row.{name} }}}}", label) for name, label in fields])
                for loop, fields in (self.kind.row_fields or {}).items()
            ],
            loop_end="{%tr endfor %}",
            own=DocumentTemplate.objects.visible_to(self.request.user).filter(kind=self.kind.key).first(),
        )
        return context

    def form_valid(self, form):
        try:
            document_template_upload(actor=self.request.user, kind=self.kind, upload=form.cleaned_data["file"])
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"已启用本县的“{self.kind.label}”模板。")
        return redirect("document_template_upload", kind=self.kind.key)


class DocumentTemplateResetView(ScopedViewMixin, View):
    access = staticmethod(can_manage_templates)

    def post(self, request, kind):
        kind = _kind(kind)
        if document_template_reset(actor=request.user, kind=kind):
            messages.success(request, f"“{kind.label}”已恢复使用默认模板。")
        return redirect("document_template_upload", kind=kind.key)


class DocumentTemplateDownloadView(ScopedViewMixin, View):
    """The template in use (`which=current`) or the built-in one (`which=default`), to edit."""

    access = staticmethod(can_manage_templates)

    def get(self, request, kind, which):
        kind = _kind(kind)
        if which == "default":
            return document_response(kind.default_path.read_bytes(), f"{kind.label}（默认模板）.docx")
        return document_response(template_bytes(kind, request.user.county), f"{kind.label}（本县模板）.docx")


# --- issuing a document ------------------------------------------------------------------------


class DocumentHeadForm(forms.Form):
    """What the office writes on every document it issues (GB/T 9704 版头 and 落款)."""

    document_number = forms.CharField(
        label="发文字号", max_length=50, help_text="如“巴试点办发〔2026〕3号”，年份用六角括号〔〕。"
    )
    issuing_office = forms.CharField(label="发文机关", max_length=100)
    # ISO format: a type=date input shows nothing for a value written any other way.
    issue_date = forms.DateField(label="成文日期", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))

    def clean_document_number(self):
        number = self.cleaned_data["document_number"].strip()
        if not number.endswith("号"):
            raise ValidationError("发文字号应以“号”结尾，如“巴试点办发〔2026〕3号”。")
        # A 文号's year sits in 六角括号; the keyboard's brackets are the usual slip.
        return number.replace("[", "〔").replace("]", "〕").replace("［", "〔").replace("］", "〕")


def default_issuing_office(county) -> str:
    return f"{county.name}农村社区建设试点工作领导小组办公室" if county is not None else ""


class IssueDocumentView(ScopedViewMixin, TemplateView):
    """A page that issues one document: GET without the form's fields shows the form; with
    them, the .docx. Subclasses say which kind, load what it is about (`load`, through
    visible_to: a foreign record is a 404), and give the context and file name."""

    template_name = "pilot_admin/document_issue.html"
    kind_key: str = ""

    def get(self, request, *args, **kwargs):
        self.kind = _kind(self.kind_key)
        self.subject = self.load(request, *args, **kwargs)
        form = DocumentHeadForm(request.GET if "document_number" in request.GET else None, initial=self.initial())
        if form.is_bound and form.is_valid():
            head = dict(form.cleaned_data)
            head["issue_date_text"] = chinese_date(head["issue_date"])
            context = {
                "document_number": head["document_number"],
                "issuing_office": head["issuing_office"],
                "issue_date": head["issue_date_text"],
                **self.document_context(head),
            }
            content = render(self.kind, county=self.county(), context=context)
            return document_response(content, self.filename(head))
        return self.render_to_response(self.get_context_data(form=form, kind=self.kind, subject=self.subject))

    def initial(self) -> dict:
        return {"issuing_office": default_issuing_office(self.county()), "issue_date": timezone.localdate()}

    def load(self, request, *args, **kwargs):
        raise NotImplementedError

    def county(self):
        raise NotImplementedError

    def describe(self) -> str:
        return ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        years = self.year_choices()
        hidden = self.hidden_fields()
        if years:
            hidden.pop("year", None)
        context.update(
            description=self.describe(),
            back_url=self.back_url(),
            hidden=hidden,
            years=years,
            year=getattr(self, "year", None),
        )
        return context

    def year_choices(self) -> list[int]:
        """The years the user may pick on the form (the document is about one of them)."""
        return []

    def hidden_fields(self) -> dict:
        """The query parameters that say what the document is about, kept through the form."""
        return {}

    def back_url(self) -> str:
        return ""

    def document_context(self, head: dict) -> dict:
        raise NotImplementedError

    def filename(self, head: dict) -> str:
        raise NotImplementedError
