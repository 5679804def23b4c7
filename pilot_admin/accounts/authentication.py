"""`Authorization: Token <key>` on the API, with our token model: an expired token is refused in
Chinese, and each token's last use is recorded."""

from django.utils import timezone
from drf_spectacular.authentication import SessionScheme, TokenScheme
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied

from pilot_admin.accounts import services


class ExpiringTokenAuthentication(TokenAuthentication):
    def get_model(self):
        from pilot_admin.models import ApiToken

        return ApiToken

    def authenticate_credentials(self, key):
        # DRF's lookup (one query, the user with it) and its refusal of unknown keys and inactive users.
        user, token = super().authenticate_credentials(key)
        now = timezone.now()
        if token.is_expired(now):
            raise AuthenticationFailed(
                f"接口令牌已于 {timezone.localtime(token.expires_at):%Y-%m-%d %H:%M} 过期，"
                "请联系系统管理员续期或签发新令牌。"
            )
        services.token_touch(token=token, now=now)
        return user, token


CSRF_FAILED = (
    "CSRF 校验失败：以网页登录的会话调用接口修改数据时，须带 X-CSRFToken 请求头（值取自 csrftoken Cookie）；"
    "程序调用请改用接口令牌。"
)


class CsrfSessionAuthentication(SessionAuthentication):
    """DRF's session authentication, refusing a write without the CSRF token in Chinese (DRF's
    refusal is English, with Django's reason in it)."""

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except PermissionDenied:
            raise PermissionDenied(CSRF_FAILED) from None


# How the schema describes the two (drf-spectacular finds these by their target class).
class ExpiringTokenScheme(TokenScheme):
    target_class = ExpiringTokenAuthentication
    priority = 0

    def get_security_definition(self, auto_schema):
        return {
            **super().get_security_definition(auto_schema),
            "description": "请求头 Authorization: Token <令牌>；令牌用 POST /api/v1/auth/token/ 换取，"
            "或由管理员在“接口令牌”页面签发。",
        }


class CsrfSessionScheme(SessionScheme):
    target_class = CsrfSessionAuthentication
    priority = 0

    def get_security_definition(self, auto_schema):
        return {
            **super().get_security_definition(auto_schema),
            "description": "网页登录后的会话（Cookie）；修改数据时还须带 X-CSRFToken 请求头。",
        }
