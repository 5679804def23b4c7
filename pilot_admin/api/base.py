"""Bases of every API view. Each declares its scope; the queryset always comes from a selector
built on visible_to, so another township's row is a 404 like on the pages."""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView


class _ApiViewMixin:
    scope_declared = "visible_to"

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
