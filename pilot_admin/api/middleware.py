"""Middleware of the API: what is refused before anything reads the request."""

from pilot_admin.api.exceptions import error_response, is_api

# The longest path and query string an API request may have, in characters as sent (percent-
# encoded). gunicorn.conf.py lets request lines up to 8190 bytes through, so that this limit,
# not the server's, answers — in JSON. Far above any URL the API's own filters build.
MAX_URL_LENGTH = 4096
URL_TOO_LONG = f"请求的网址过长（超过 {MAX_URL_LENGTH} 个字符），请减少查询参数。"


class UrlLengthMiddleware:
    """414 in JSON for an API URL over MAX_URL_LENGTH, before anything reads the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api(request) and len(request.get_full_path()) > MAX_URL_LENGTH:
            return error_response(414, URL_TOO_LONG)
        return self.get_response(request)
