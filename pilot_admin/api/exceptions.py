"""The errors of REST API v1: one shape, in Chinese, whatever raised them.

`{"detail": "…"}` for an error of the request as a whole; `{"<field or parameter>": ["…", …]}`
for input errors (`non_field_errors` for the input as a whole), as DRF answers them. The
exception handler brings every exception a view raises to that shape; the error views named in
pilot_admin/urls.py answer the same way under /api/ for what never reaches a view (an unknown
path, a body refused before the view, a crash), and leave the pages their own error pages.
Nothing the client sent is echoed with its control characters, nor at any length."""

import json
import re

from django.conf import settings
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

API_PREFIX = "/api/"

NOT_FOUND = "未找到：对象不存在，或不在您的查看范围内。"
NO_SUCH_ENDPOINT = "没有这个接口地址；全部接口见 /api/v1/。"
BAD_REQUEST = "请求有误，无法处理。"
SERVER_ERROR = "服务器内部错误，请稍后重试；如问题持续，请联系县民政局系统管理员。"
NOT_ACCEPTABLE = "无法按 Accept 请求头要求的格式作答：本接口只返回 JSON（application/json）。"
NOT_JSON = "请求体不是有效的 JSON（第 {line} 行第 {column} 列附近）。"
UNPARSABLE = "请求体无法解析：内容与 Content-Type 不符。"
# Our wording for DRF's default messages (English, or translated badly or with the client's input
# in them); a message a view chose itself is kept.
DEFAULT_MESSAGES = {
    exceptions.AuthenticationFailed: "身份认证信息不正确。",
    exceptions.NotAuthenticated: "未登录：请在 Authorization 请求头中提供接口令牌（Token <令牌>），或先登录。",
    exceptions.PermissionDenied: "您的角色无权进行此项操作。",
    exceptions.NotFound: NOT_FOUND,
    exceptions.APIException: SERVER_ERROR,
}
# A message longer than this is cut: an error never hands a large input back.
MAX_MESSAGE_LENGTH = 500
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "payload_too_large"

    def __init__(self):
        super().__init__(too_large_message())


def too_large_message() -> str:
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
    return (
        f"请求体过大：除上传的文件外不能超过 {size:g} MB，"
        f"表单字段不能超过 {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} 个，文件不能超过 "
        f"{settings.DATA_UPLOAD_MAX_NUMBER_FILES} 个。"
    )


def clean_message(text) -> str:
    """`text` without control characters (a NUL byte among them), at most MAX_MESSAGE_LENGTH long."""
    text = _CONTROL.sub("", str(text))
    return text if len(text) <= MAX_MESSAGE_LENGTH else text[: MAX_MESSAGE_LENGTH - 1] + "…"


def _cleaned(data):
    if isinstance(data, dict):
        return {clean_message(key): _cleaned(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_cleaned(item) for item in data]
    return clean_message(data)


def _field_map(data) -> dict:
    """A 400's body as a field map: a bare list (a view's own ValidationError) becomes the
    input's `non_field_errors`, Django's `__all__` likewise, and each message a list."""
    non_field = api_settings.NON_FIELD_ERRORS_KEY
    if isinstance(data, list):
        return {non_field: data}
    if set(data) == {"detail"} and isinstance(data["detail"], str):
        return data  # an error of the request itself (a malformed If-Match, a body that is not JSON)
    return {
        (non_field if key == NON_FIELD_ERRORS else key): value if isinstance(value, list | dict) else [value]
        for key, value in data.items()
    }


def _parse_error(exc: exceptions.ParseError) -> exceptions.ParseError:
    # DRF's parsers raise ParseError while handling the decoder's error, in English.
    cause = exc.__context__
    if isinstance(cause, json.JSONDecodeError):
        return exceptions.ParseError(NOT_JSON.format(line=cause.lineno, column=cause.colno))
    return exceptions.ParseError(UNPARSABLE)


def _method_not_allowed(request) -> exceptions.MethodNotAllowed:
    method = request.method if request is not None else ""
    name = method if re.fullmatch(r"[A-Z]{1,16}", method or "") else "该"
    return exceptions.MethodNotAllowed(method, detail=f"此接口不支持 {name} 方法；可用的方法见 Allow 响应头。")


def _unsupported_media_type(view) -> exceptions.UnsupportedMediaType:
    accepted = "、".join(parser.media_type for parser in getattr(view, "parser_classes", []))
    return exceptions.UnsupportedMediaType(
        "", detail=f"不支持此请求体格式（Content-Type）；本接口接受：{accepted or '无请求体'}。"
    )


def _as_api_exception(exc, context):
    """The APIException to answer `exc` with, in our words; None for an unexpected error (a 500)."""
    request, view = context.get("request"), context.get("view")
    if isinstance(exc, DjangoValidationError):
        messages = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        return exceptions.ValidationError(messages)
    if isinstance(exc, Http404):
        return exceptions.NotFound(NOT_FOUND)  # Django's message names the model, in English
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, _TOO_LARGE):
        return PayloadTooLarge()
    if isinstance(exc, exceptions.ParseError):
        return _parse_error(exc)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return _method_not_allowed(request)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return _unsupported_media_type(view)
    if isinstance(exc, exceptions.NotAcceptable):
        return exceptions.NotAcceptable(NOT_ACCEPTABLE)
    if isinstance(exc, exceptions.Throttled):
        wait = f"请 {exc.wait} 秒后再试" if exc.wait else "请稍后再试"
        throttled = exceptions.Throttled(detail=f"请求过于频繁，{wait}。")
        throttled.wait = exc.wait  # DRF's handler sends it as Retry-After
        return throttled
    if isinstance(exc, exceptions.APIException):
        message = DEFAULT_MESSAGES.get(type(exc))
        if message is not None and str(exc.detail) == str(type(exc).default_detail):
            exc.detail = exceptions.ErrorDetail(message, code=exc.default_code)
        return exc
    return None


def exception_handler(exc, context):
    """REST_FRAMEWORK's EXCEPTION_HANDLER: every error a view raises, in the API's one shape."""
    api_exc = _as_api_exception(exc, context)
    if api_exc is None:
        return None  # re-raised by DRF: Django answers with server_error below
    response = drf_exception_handler(api_exc, context)
    data = response.data
    if response.status_code == 400:
        data = _field_map(data)
    elif not isinstance(data, dict):
        data = {"detail": " ".join(str(item) for item in data)}
    response.data = _cleaned(data)
    return response


# --- what never reaches a view: handler400, handler403, handler404, handler500 -----------------


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def error_response(status: int, message: str) -> JsonResponse:
    return JsonResponse(
        {"detail": clean_message(message)},
        status=status,
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )


def bad_request(request, exception):
    """A request refused before any view (a middleware read a body too large, a bad Host)."""
    if not is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, _TOO_LARGE):
        return error_response(413, too_large_message())
    return error_response(400, BAD_REQUEST)


def permission_denied(request, exception):
    if not is_api(request):
        return defaults.permission_denied(request, exception)
    message = exception.args[0] if exception.args else ""
    return error_response(403, message or DEFAULT_MESSAGES[exceptions.PermissionDenied])


def page_not_found(request, exception):
    if not is_api(request):
        return defaults.page_not_found(request, exception)
    return error_response(404, NO_SUCH_ENDPOINT)


def server_error(request):
    if not is_api(request):
        return defaults.server_error(request)
    return error_response(500, SERVER_ERROR)
