"""The audit administrator's audit log (审计日志): every recorded change, export, sign-in, read
of personal data and refusal of its county, filtered, paginated newest first, and exported to
Excel. Reading the log and exporting it are themselves recorded, so the auditor is audited too.
Read-only: the page answers GET only, and the table refuses UPDATE and DELETE."""

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from pilot_admin.accounts.permissions import can_read_audit_log
from pilot_admin.accounts.selectors import county_townships, users_in_scope
from pilot_admin.audit import display
from pilot_admin.audit.access import PersonalData
from pilot_admin.audit.selectors import audit_log
from pilot_admin.choices import AuditAction, Role
from pilot_admin.excel import ExportColumn, export_response, stream, values_of
from pilot_admin.lists import FilteredListMixin, filtered
from pilot_admin.models import AuditEntry, User
from pilot_admin.scoping import ScopedViewMixin

# The apps whose rows the log can name; the record-type filter offers their models.
AUDITED_APPS = ("pilot_admin", "villages", "tasks", "assessments", "guardianship")


def kind_label(content_type: ContentType) -> str:
    model = content_type.model_class()
    return str(model._meta.verbose_name) if model is not None else content_type.model


def changes_text(entry: AuditEntry) -> str:
    """Field by field, old → new (new only for a creation), as one cell of text."""
    parts = []
    for change in display.shown_changes(entry):
        if entry.action == AuditAction.UPDATE:
            parts.append(f"{change.label}：{change.old or '（空）'} → {change.new or '（空）'}")
        else:
            parts.append(f"{change.label}：{change.new or '（空）'}")
    return "；".join(parts)


def _actors(request):
    user = getattr(request, "user", None)
    if user is None or not can_read_audit_log(user):
        return User.objects.none()
    return users_in_scope(user).order_by("username")


def _townships(request):
    return county_townships(user=getattr(request, "user", None))


def _content_types(request):
    return ContentType.objects.filter(app_label__in=AUDITED_APPS).order_by("app_label", "model")


class _KindChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return kind_label(obj)


class _KindFilter(django_filters.ModelChoiceFilter):
    field_class = _KindChoiceField


class AuditEntryFilterSet(django_filters.FilterSet):
    actor = django_filters.ModelChoiceFilter(label="操作人", queryset=_actors, empty_label="全部")
    actor_role = django_filters.ChoiceFilter(
        label="操作人角色", field_name="actor__role", choices=Role.choices, empty_label="全部"
    )
    action = django_filters.ChoiceFilter(label="操作", choices=AuditAction.choices, empty_label="全部")
    kind = _KindFilter(label="记录类型", field_name="content_type", queryset=_content_types, empty_label="全部")
    object_id = django_filters.CharFilter(label="记录编号", field_name="object_id")
    # An entry names no township of its own; the one it is derived from is the actor's unit.
    township = django_filters.ModelChoiceFilter(
        label="操作人所属乡镇",
        field_name="actor__township",
        # The county's townships as reference data: the audit administrator sees no village
        # pages, but filters by the unit of whoever acted.
        queryset=_townships,
        empty_label="全部",
    )
    date_from = django_filters.DateFilter(
        label="起始日期",
        field_name="created_at__date",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        label="截止日期",
        field_name="created_at__date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    q = django_filters.CharFilter(label="说明或记录包含", method="filter_text")

    class Meta:
        model = AuditEntry
        fields = []

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(note__icontains=value) | Q(object_repr__icontains=value))


class AuditLogView(ScopedViewMixin, FilteredListMixin, ListView):
    access = staticmethod(can_read_audit_log)
    # Each reading is an entry of its own (AccessLogMiddleware): filters and rows shown.
    personal_data = PersonalData("审计日志", "pilot_admin.AuditEntry")
    template_name = "pilot_admin/audit_list.html"
    context_object_name = "entries"
    filterset_class = AuditEntryFilterSet
    paginate_by = 50

    def base_queryset(self):
        return audit_log(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entries = context["entries"]
        display.annotate_entries(entries, user=self.request.user, log_url=self.request.path)
        for entry in entries:
            # An export or a reading of one kind of record says which; one that stored the
            # exporting user as its record (shown as "用户 #1") says nothing it cannot know.
            pointed_at_user = not display.names_a_record(entry) and entry.object_id != ""
            entry.kind_label = "—" if pointed_at_user else kind_label(entry.content_type)
        return context


AUDIT_EXPORT_COLUMNS = (
    ExportColumn("时间", lambda e: e.created_at, width=18, number_format="yyyy-mm-dd hh:mm:ss"),
    ExportColumn("操作人", lambda e: e.actor_name, width=14),
    ExportColumn("账号", lambda e: e.actor.username if e.actor else "", width=14),
    ExportColumn("操作", lambda e: e.get_action_display(), width=8),
    ExportColumn("记录类型", lambda e: kind_label(e.content_type), width=12),
    ExportColumn("记录编号", lambda e: e.object_id, width=10),
    ExportColumn("记录", display.record_name, width=24),
    ExportColumn("变更内容", changes_text, width=60),
    ExportColumn("说明", lambda e: e.note, width=30),
    ExportColumn("来源地址", lambda e: e.ip_address or "", width=16),
    ExportColumn("客户端", lambda e: e.user_agent, width=30),
)


class AuditLogExportView(ScopedViewMixin, View):
    """The filtered log as .xlsx: the page's FilterSet over the same selector, every row."""

    access = staticmethod(can_read_audit_log)

    def get(self, request):
        _, entries = filtered(AuditEntryFilterSet, request, audit_log(user=request.user))
        return export_response(
            filename=f"审计日志_{timezone.localdate():%Y%m%d}.xlsx",
            sheet_title="审计日志",
            columns=AUDIT_EXPORT_COLUMNS,
            rows=values_of(AUDIT_EXPORT_COLUMNS, stream(entries)),
        )
