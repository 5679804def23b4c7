from django.contrib import admin


class PilotAdminSite(admin.AdminSite):
    site_header = "试点工作管理系统 · 后台"
    site_title = "试点工作管理系统"
    index_title = "数据管理"

    def has_permission(self, request):
        # Django admin is for the county office only, whatever is_staff says.
        user = request.user
        return user.is_active and user.is_authenticated and user.is_county_admin and user.is_staff
