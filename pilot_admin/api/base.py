"""Bases of every API view. Each declares its scope; the queryset always comes from a selector
built on visible_to, so another township's row is a 404 like on the pages."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from pilot_admin.api.filters import FilterBackend
from pilot_admin.filters import ID_MAX
from pilot_admin.params import canonical_int
from pilot_admin.scoping import any_business_user

PASSWORD_TOKEN_REFUSED = (
    "此账户须两步验证登录，不能仅凭密码换取接口令牌；接口调用请使用系统管理员为接口客户端签发的令牌。"
)
DUTY_TOKEN_REFUSED = "管理员职责账户（系统、安全、审计管理员）不调用数据接口，不能换取接口令牌。"
PASSWORD_CHANGE_FIRST = "此账户的密码须先修改（管理员设置的密码，或已过期）：请先登录网页修改密码，再换取接口令牌。"


def password_token_refused(user) -> bool:
    """A password alone must not buy a token that would skip the second factor. Tokens once
    issued are not affected."""
    from django_otp import user_has_device

    from pilot_admin.accounts.middleware import two_factor_required

    return two_factor_required(user) or user_has_device(user, confirmed=True)


class RoleAllowed(BasePermission):
    """The API counterpart of ScopedViewMixin.access: the view's `access(user)` decides which
    roles may call it at all; rows still come only through visible_to."""

    message = "您的角色无权调用此接口。"

    def has_permission(self, request, view):
        access = getattr(view, "access", None)
        return access is not None and access(request.user)


class _ApiViewMixin:
    scope_declared = "visible_to"
    # The API serves county data only: the administrator duties are refused every route.
    access = staticmethod(any_business_user)
    permission_classes = [IsAuthenticated, RoleAllowed]

    @classmethod
    def as_view(cls, *args, **kwargs):
        view = super().as_view(*args, **kwargs)
        # DRF authenticates (token or session) inside the view; the page middleware must not
        # redirect token clients to the login form.
        view.login_required = False
        return view

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors and OPTIONS answer in plain JSON on every route, also where the view's own
        # renderer writes the schema's YAML or the docs page's HTML.
        response = super().finalize_response(request, response, *args, **kwargs)
        renderer = getattr(response, "accepted_renderer", None)
        if (
            (getattr(response, "exception", False) or request.method == "OPTIONS")
            and renderer is not None
            and renderer.media_type != JSONRenderer.media_type
            and not isinstance(renderer, BrowsableAPIRenderer)
        ):
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response


def object_id(value) -> int:
    """The id in a record's URL: canonical digits (no "٣", "３", "03" or "+3") naming a possible
    row, else 404, the answer for any id that names nothing the caller may see. The route takes
    any segment, so that every malformed id gets this JSON 404 from the API itself."""
    number = value if isinstance(value, int) and not isinstance(value, bool) else canonical_int(value)
    if number is None or not 1 <= number <= ID_MAX:
        raise NotFound()
    return number


class ScopedReadOnlyViewSet(_ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Read resources. Subclasses set `selector`, a function of `user` returning a queryset
    already narrowed by visible_to. Filters come from the view's shared FilterSet; a PATCH body
    (VersionedPatchMixin) is JSON, whose types the input serializers hold it to."""

    selector = None
    filter_backends = [FilterBackend]
    parser_classes = [JSONParser]

    def get_queryset(self):
        return type(self).selector(user=self.request.user)

    def list(self, request, *args, **kwargs):
        """A serializer with `row_fields` answers a list from plain rows (`values()` of those
        columns, each written out by its `row_representation`): no model instance per row and
        no walk over the serializer's fields, which cost more than the list's SQL. Its tests
        hold each row equal to the serializer's answer for the same record."""
        serializer_class = self.get_serializer_class()
        row_fields = getattr(serializer_class, "row_fields", None)
        if not row_fields:
            return super().list(request, *args, **kwargs)
        rows = self.filter_queryset(self.get_queryset()).values(*row_fields)
        page = self.paginate_queryset(rows)
        data = [serializer_class.row_representation(row) for row in (rows if page is None else page)]
        return Response(data) if page is None else self.get_paginated_response(data)

    def get_object(self):
        lookup = self.lookup_url_kwarg or self.lookup_field
        self.kwargs[lookup] = object_id(self.kwargs[lookup])
        return super().get_object()


class ScopedAPIView(_ApiViewMixin, APIView):
    """Writes and statistics: input serializer → service or selector → output."""


@extend_schema_view(
    post=extend_schema(
        summary="换取接口令牌",
        description=(
            '用户名和密码换取接口令牌 {"token": "…"}，此后的请求带请求头 Authorization: Token <令牌>。'
            "须两步验证登录的账户、须先修改密码的账户不能用密码换取。登录失败次数过多时暂时锁定（429）。"
        ),
    )
)
class TokenView(_ApiViewMixin, ObtainAuthToken):
    scope_declared = "public"
    permission_classes = [AllowAny]

    def get_serializer_context(self):
        # authenticate() gets Django's own request, not DRF's wrapper: django-axes marks a
        # lockout on it, AxesMiddleware turns that into a 429, and the password hash is never
        # computed for a locked-out account or address.
        return {"request": self.request._request, "format": self.format_kwarg, "view": self}

    def post(self, request, *args, **kwargs):
        from pilot_admin.accounts import services
        from pilot_admin.accounts.middleware import password_change_reason

        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if user.is_duty_admin:
            raise ValidationError({"non_field_errors": [DUTY_TOKEN_REFUSED]})
        if password_token_refused(user):
            raise ValidationError({"non_field_errors": [PASSWORD_TOKEN_REFUSED]})
        # A password its owner must replace would otherwise keep working here, for good.
        if password_change_reason(user):
            raise ValidationError({"non_field_errors": [PASSWORD_CHANGE_FIRST]})
        return Response({"token": services.token_obtain(user=user).key})


class SchemaView(_ApiViewMixin, SpectacularAPIView):
    pass


class DocsView(_ApiViewMixin, SpectacularSwaggerSplitView):
    """The split view serves Swagger UI's start-up code as its own script (`?script`), so the
    Content-Security-Policy needs no inline script; templates/drf_spectacular/swagger_ui.html
    drops the inline style block for the same reason."""
