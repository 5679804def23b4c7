"""The error answers of REST API v1 in its OpenAPI schema. drf-spectacular documents only the
success of each operation; clients (and the contract fuzzing in tests/pilot_admin/
test_schema_fuzz.py) must also be told which errors an operation can answer and their body."""

ERROR_SCHEMA = {
    "type": "object",
    "description": "错误说明。",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# Field errors: {field: [messages]}, with `non_field_errors` or `detail` for the whole input; a
# nested serializer nests the same shape, so the values are left open.
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "输入有误：按字段列出错误信息。",
    "additionalProperties": {},
}

_ERRORS = {
    "400": ("输入或查询参数有误。", "ValidationError"),
    "401": ("未登录或令牌无效。", "Error"),
    "403": ("当前角色无权调用此接口，或尚未完成两步验证。", "Error"),
    "404": ("对象不存在或不在您的范围内，或页码超出范围。", "Error"),
    "412": ("If-Match 与当前版本不符：记录已被他人修改。", "Error"),
    "413": ("上传的文件过大。", "Error"),
    "415": ("请求的内容类型不受支持。", "Error"),
    "428": ("修改须带 If-Match 请求头。", "Error"),
    "429": ("尝试过于频繁，已被暂时锁定。", "Error"),
}


def _codes(path: str, method: str, operation: dict) -> list[str]:
    codes = ["401", "403", "429"]
    if "{" in path:
        codes.append("404")
    parameters = operation.get("parameters", [])
    if method == "get" and any(p.get("in") == "query" for p in parameters):
        codes += ["400", "404"]  # a filter value out of its choices; a page past the end
    if method in ("post", "put", "patch"):
        codes += ["400", "413", "415"]
    if method in ("put", "patch", "delete"):
        codes += ["412", "428"]
    return codes


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
                description, component = _ERRORS[code]
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
                    },
                )
    return result
