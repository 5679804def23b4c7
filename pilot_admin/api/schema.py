"""The error answers of REST API v1 in its OpenAPI schema. drf-spectacular documents only the
success of each operation; clients (and the contract fuzzing in tests/pilot_admin/
test_schema_fuzz.py) must also be told which errors an operation can answer and their body, in
the one shape pilot_admin/api/exceptions.py gives every error."""

from django.conf import settings

ERROR_SCHEMA = {
    "type": "object",
    "description": "错误说明：整个请求的错误，detail 为中文说明。",
    "properties": {"detail": {"type": "string", "description": "中文说明"}},
    "required": ["detail"],
}
# Field errors: {field or parameter: [messages]}, `non_field_errors` for the input as a whole;
# a nested serializer would nest the same shape, hence the object alternative.
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "输入有误：按字段（或查询参数）名列出中文错误说明；non_field_errors 为整个输入的错误。",
    "additionalProperties": {
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}],
    },
}
# A 400 of an operation with a request body: its fields, or the request itself (a body that is
# not JSON, a malformed If-Match).
BAD_REQUEST_SCHEMA = {
    "oneOf": [{"$ref": "#/components/schemas/ValidationError"}, {"$ref": "#/components/schemas/Error"}],
}


def _too_large() -> str:
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
    return f"请求体过大：除上传的文件外超过 {size:g} MB，或表单字段超过 {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} 个。"


_ERRORS = {
    "400": ("输入或查询参数有误（按字段列出）。", "ValidationError"),
    "401": ("未登录或令牌无效。", "Error"),
    "403": ("当前角色无权调用此接口，或尚未完成两步验证。", "Error"),
    "404": ("对象不存在或不在您的范围内，或页码超出范围。", "Error"),
    "412": ("If-Match 与当前版本不符：记录已被他人修改，或用了弱 ETag。", "Error"),
    "413": (None, "Error"),
    "415": ("请求体的格式（Content-Type）不受支持。", "Error"),
    "428": ("修改须带 If-Match 请求头。", "Error"),
    "429": ("请求过于频繁，或登录失败次数过多已被暂时锁定。", "Error"),
}
WRITE_METHODS = ("post", "put", "patch")


def _codes(path: str, method: str, operation: dict) -> list[str]:
    codes = ["401", "403", "429"]
    if "{" in path:
        codes.append("404")
    parameters = operation.get("parameters", [])
    if method == "get" and any(p.get("in") == "query" for p in parameters):
        codes += ["400", "404"]  # a filter value out of its choices; a page past the end
    if method in WRITE_METHODS:
        codes += ["400", "413", "415"]
    if method in ("put", "patch", "delete"):
        codes += ["412", "428"]
    return codes


def _error(code: str, method: str) -> tuple[str, dict]:
    description, component = _ERRORS.get(code, ("请求未能完成。", "Error"))
    if code == "400" and method in WRITE_METHODS:
        return "输入有误（按字段列出），或请求体、请求头格式不正确。", BAD_REQUEST_SCHEMA
    return description or _too_large(), {"$ref": f"#/components/schemas/{component}"}


def document_error_responses(result, generator, request, public):
    """drf-spectacular POSTPROCESSING_HOOKS entry: add the error answers each operation can give,
    keeping any the view documents itself."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    schemas.setdefault("ValidationError", VALIDATION_ERROR_SCHEMA)
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for code in _codes(path, method, operation):
                responses.setdefault(code, {})
            for code, response in responses.items():
                if code.startswith("2"):
                    response.setdefault("description", "")
                    response["description"] = response["description"] or "成功。"
                    continue
                # An error the view documents keeps its own words (and body, if it gives one: an
                # import's row errors, which a body that cannot be parsed at all does not reach).
                description, schema = _error(code, method)
                response["description"] = response.get("description") or description
                own = response.get("content", {}).get("application/json", {}).get("schema")
                if own is not None and code == "400" and method in WRITE_METHODS:
                    schema = {"oneOf": [own, {"$ref": "#/components/schemas/Error"}]}
                elif own is not None:
                    schema = own
                response["content"] = {"application/json": {"schema": schema}}
    return result


# The API docs group operations by tag. drf-spectacular names a tag after the path's first
# segment (or a view's tags=[…]); readers see these Chinese names instead, in this order, each
# with its description. A new resource adds one line here (tests/pilot_admin/test_openapi_chinese.py
# refuses an English tag).
TAGS = {
    "index": ("接口目录", "各资源的入口地址。"),
    "auth": ("认证", "用用户名、密码（及两步验证码）换取接口令牌。"),
    "townships": ("乡镇", "本县的乡镇。"),
    "villages": ("村", "村的基本信息与类型；可修改。"),
    "departments": ("部门", "报送单位：县直部门与各乡镇人民政府。"),
    "pilot-assignments": ("试点村", "各年度的试点村及其级别、状态。"),
    "pilot-nominations": ("试点申报", "乡镇申报的试点村及审核结果。"),
    "tasks": ("任务", "工作任务与分工。"),
    "progress-reports": ("进度报告", "各报送单位每个报送期的进度报告。"),
    "inspections": ("检查验收", "年度检查验收及评分、等次。"),
    "persons": ("特困人员", "特困人员名册与监护照护情况；可修改。"),
    "supervision-committees": ("村务监督委员会", "各村各届村务监督委员会及其成员。"),
    "stats": ("统计", "试点比例、建设达标、任务报送、检查验收、监护照护与村务监督委员会的统计。"),
    "imports": ("导入", "上传 Excel 导入数据，查询导入结果。"),
}


def chinese_tags(result, generator, request, public):
    """drf-spectacular POSTPROCESSING_HOOKS entry: the operations' tags by their Chinese names,
    listed with descriptions in the order of TAGS."""
    used = set()
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "tags" in operation:
                operation["tags"] = [TAGS[tag][0] if tag in TAGS else tag for tag in operation["tags"]]
                used.update(operation["tags"])
    result["tags"] = [{"name": name, "description": description} for name, description in TAGS.values() if name in used]
    return result
