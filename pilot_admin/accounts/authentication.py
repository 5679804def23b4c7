"""`Authorization: Token <key>` on the API, with our token model: an expired token is refused in
Chinese, and each token's last use is recorded."""

from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

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
