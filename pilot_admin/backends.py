from django.contrib.auth.backends import ModelBackend

from pilot_admin.choices import Role

# The apps whose admin pages the county office works in: its business data. Login records,
# authenticators, accounts and the audit log are the separated administrator duties' (their
# own pages under /account/ and /audit/; in the admin, superusers only: pilot_admin/admin.py).
COUNTY_ADMIN_APPS = {
    "pilot_admin",
    "villages",
    "tasks",
    "assessments",
    "guardianship",
}


class RoleBackend(ModelBackend):
    """Model permissions follow the role: the county office may manage the project's data in the
    admin without per-user permission rows; what rows it sees there is still visible_to's call."""

    def _is_county_admin(self, user_obj) -> bool:
        return user_obj.is_active and getattr(user_obj, "role", None) == Role.COUNTY_ADMIN

    def get_user(self, user_id):
        """The signed-in user with the units every page names (the header's township or
        department, the print frame's county): one query per request rather than one more per
        unit shown."""
        from django.contrib.auth import get_user_model

        model = get_user_model()
        try:
            user = model._default_manager.select_related("county", "township", "department").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def has_perm(self, user_obj, perm, obj=None):
        if self._is_county_admin(user_obj) and perm.split(".", 1)[0] in COUNTY_ADMIN_APPS:
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        if self._is_county_admin(user_obj) and app_label in COUNTY_ADMIN_APPS:
            return True
        return super().has_module_perms(user_obj, app_label)
