from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.template.response import TemplateResponse

from pilot_admin import locking
from pilot_admin.accounts import services as account_services
from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction
from pilot_admin.models import AuditEntry, ImportRun, Notification, User


class AuditedModelAdmin(admin.ModelAdmin):
    """Admin edits leave the same audit entries as the pages do, and the admin sees only the
    rows its user may edit."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.editable_by(request.user) if hasattr(queryset, "editable_by") else queryset

    def history_view(self, request, object_id, extra_context=None):
        """The admin's 历史 link shows our audit trail (field, old, new, address), the same
        修改记录 the record's own page shows."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": f"修改记录：{obj}",
            "object": obj,
            "opts": self.opts,
            "audit_entries": audit.audit_entries_for(obj)[:200],
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/audit_history.html", context)

    def save_model(self, request, obj, form, change):
        before = audit.snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change else None
        if change and hasattr(obj, "version"):
            # Edit pages opened before this admin edit must not overwrite it.
            locking.bump_version(obj)
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            instance=obj,
            action=AuditAction.UPDATE if change else AuditAction.CREATE,
            before=before,
            note="后台修改",
        )

    def delete_model(self, request, obj):
        audit.record(actor=request.user, instance=obj, action=AuditAction.DELETE, note="后台删除")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit.record(actor=request.user, instance=obj, action=AuditAction.DELETE, note="后台删除")
        super().delete_queryset(request, queryset)


class SuperuserOnlyAdmin(admin.ModelAdmin):
    """Pages of the separated administrator duties (accounts, the audit log): in the admin for
    superusers only (break-glass). The county office, though staff, does not see them; the
    system and audit administrators have their own pages and no admin at all."""

    def has_module_permission(self, request):
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


@admin.register(User)
class UserAdmin(SuperuserOnlyAdmin, BaseUserAdmin):
    list_display = ("username", "last_name", "first_name", "role", "county", "township", "department", "is_active")
    list_filter = ("role", "is_active", "county", "township")
    fieldsets = BaseUserAdmin.fieldsets + (
        ("角色与单位", {"fields": ("role", "county", "township", "department")}),
        ("提醒渠道", {"fields": ("phone", "wecom_userid", "dingtalk_userid", "notice_channels")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        ("角色与单位", {"fields": ("role", "county", "township", "department")}),
    )
    # Changed only through the services (password change and reset, the nightly task, re-enabling).
    readonly_fields = ("must_change_password", "password_changed_at", "inactivity_disabled_at", "reactivated_at")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return fieldsets + (
            (
                "密码与停用",
                {"fields": ("must_change_password", "password_changed_at", "inactivity_disabled_at", "reactivated_at")},
            ),
        )

    def save_model(self, request, obj, form, change):
        if change:
            before = audit.snapshot(User.objects.get(pk=obj.pk))
            super().save_model(request, obj, form, change)
            audit.record(actor=request.user, instance=obj, action=AuditAction.UPDATE, before=before, note="后台修改")
        else:
            # The administrator chose the first password: the user must replace it.
            account_services.account_create(actor=request.user, user=obj)

    def user_change_password(self, request, id, form_url=""):
        """The admin's password form sets someone else's password: a reset, which the user must
        replace at the next sign-in. Django's view saves the password; the service, in the same
        transaction, marks the account and records who did it."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            # Success redirects to the user's page; a refused form re-renders or redirects back here.
            if request.method == "POST" and response.status_code == 302 and response.url != request.get_full_path():
                user = self.get_object(request, unquote(id))
                if user.has_usable_password():
                    account_services.password_reset(actor=request.user, user=user)
        return response


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that change only through their own pages and services (which check, audit and
    version them) or not at all: the admin lists and shows them, nothing more. Put it before
    AuditedModelAdmin (`class PersonAdmin(ReadOnlyAdmin, AuditedModelAdmin)`) to keep that
    one's scoped rows and audit history as well."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(SuperuserOnlyAdmin, ReadOnlyAdmin):
    list_display = ("created_at", "actor_name", "action", "content_type", "object_repr", "ip_address")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr", "actor_name", "object_id")
    date_hierarchy = "created_at"


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor", "kind", "filename", "status", "created_count", "updated_count")
    list_filter = ("kind", "status")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "title", "read_at", "emailed_at")
    list_filter = ("read_at", "emailed_at")
    search_fields = ("title", "user__username")
    list_select_related = ("user",)
