"""The one rule of who sees what, and the machinery that makes every view declare it.

Every scoped model's QuerySet subclasses ScopedQuerySet and says, in `visibility_q`, which rows a
user may see. Pages derive from ScopedViewMixin, API views from the bases in pilot_admin.api; the
ScopeRequiredMiddleware refuses any view that did neither, so a forgotten scope is a 403 in the
browser and a failing test, never a leak.
"""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q

from pilot_admin.choices import Role

SCOPE_ATTR = "scope_declared"


class ScopedQuerySet(models.QuerySet):
    def visibility_q(self, user) -> Q | None:
        """Rows `user` may see; None means all of them. Subclasses must say."""
        raise NotImplementedError(f"{self.model.__name__} must define visibility_q")

    def edit_q(self, user) -> Q | None:
        """Rows `user` may change. By default only the county office, within its county."""
        if user.is_county_admin:
            return self.visibility_q(user)
        return Q(pk__in=[])

    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        q = self.visibility_q(user)
        return self if q is None else self.filter(q)

    def editable_by(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        q = self.edit_q(user)
        return self if q is None else self.filter(q)


def county_scoped_q(user, county_path: str, township_path: str) -> Q | None:
    """The rule shared by all geography-bound rows: county roles see their county (all
    counties when unset), township officials their township, departments and inspectors read
    their county. The administrator duties see nothing: they manage the system, not its data."""
    if user.is_duty_admin:
        return Q(pk__in=[])
    if user.role == Role.TOWNSHIP:
        return Q(**{township_path: user.township_id})
    if user.county_id is None and (user.is_superuser or user.role == Role.API_CLIENT):
        return None
    if user.county_id is None:
        return Q(pk__in=[])
    return Q(**{county_path: user.county_id})


def declare_scope(view, how: str):
    """Mark a view function as having declared its scope (`how` is for the reader)."""
    setattr(view, SCOPE_ATTR, how)
    return view


def public(view):
    """An open view (login, health): no login and no scope."""
    view.login_required = False
    return declare_scope(view, "public")


def view_declares_scope(view_func) -> bool:
    for candidate in (
        view_func,
        getattr(view_func, "view_class", None),
        getattr(view_func, "cls", None),
    ):
        if candidate is not None and getattr(candidate, SCOPE_ATTR, None):
            return True
    return False


class ScopedViewMixin:
    """Base of every page. `access` is a can_* function of the user alone deciding who may open
    the page at all; objects come only through `visible_to`, so anything else is a 404."""

    scope_declared = "visible_to"
    access = None

    def dispatch(self, request, *args, **kwargs):
        if self.access is None:
            raise PermissionDenied("页面未声明访问范围。")
        if not self.access(request.user):
            raise PermissionDenied("您的角色无权访问此页面。")
        self.load(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def load(self, request, *args, **kwargs):
        """Fetch the objects the URL names, through visible_to (so a foreign id is a 404).
        Runs after the role check, so the answer never depends on another unit's data."""


def any_signed_in(user) -> bool:
    return user.is_authenticated and user.is_active


def any_business_user(user) -> bool:
    """Signed in with a business role: the base rule of every page and API route that shows
    county data. The three administrator duties (system, security, audit) are refused."""
    return any_signed_in(user) and not user.is_duty_admin
