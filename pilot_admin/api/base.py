"""Bases of every API view. Each declares its scope; the queryset always comes from a selector
built on visible_to, so another township's row is a 404 like on the pages."""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.views import APIView

from pilot_admin.scoping import any_signed_in


class RoleAllowed(BasePermission):
    """The API counterpart of ScopedViewMixin.access: the view's `access(user)` decides which
    roles may call it at all; rows still come only through visible_to."""

    message = "您的角色无权调用此接口。"

    def has_permission(self, request, view):
        access = getattr(view, "access", None)
        return access is not None and access(request.user)


class _ApiViewMixin:
    scope_declared = "visible_to"
    access = staticmethod(any_signed_in)
    permission_classes = [IsAuthenticated, RoleAllowed]

    @classmethod
    def as_view(cls, *args, **kwargs):
        view = super().as_view(*args, **kwargs)
        # DRF authenticates (token or session) inside the view; the page middleware must not
        # redirect token clients to the login form.
        view.login_required = False
        return view


class ScopedReadOnlyViewSet(_ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Read resources. Subclasses set `selector`, a function of `user` returning a queryset
    already narrowed by visible_to."""

    selector = None

    def get_queryset(self):
        return type(self).selector(user=self.request.user)


class ScopedAPIView(_ApiViewMixin, APIView):
    """Writes and statistics: input serializer → service or selector → output."""


class TokenView(_ApiViewMixin, ObtainAuthToken):
    scope_declared = "public"
    permission_classes = [AllowAny]


class SchemaView(_ApiViewMixin, SpectacularAPIView):
    pass


class DocsView(_ApiViewMixin, SpectacularSwaggerView):
    pass
