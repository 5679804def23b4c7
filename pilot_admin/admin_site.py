from django.contrib import admin


class PilotAdminSite(admin.AdminSite):
    site_header = "试点工作管理系统 · 后台"
    site_title = "试点工作管理系统"
    index_title = "数据管理"

    def has_permission(self, request):
        # Django admin is the county office's (its business data) and the superusers' (break-glass:
        # accounts and the audit log too), whatever is_staff says for anyone else. The three
        # administrator duties work on their own pages and never here.
        user = request.user
        return user.is_active and user.is_authenticated and user.is_county_admin and user.is_staff
