"""What REST API v1 accepts, stated in its OpenAPI schema: the rules of pilot_admin.filters,
pilot_admin.api.pagination and pilot_admin.api.inputs where drf-spectacular cannot see them, the
400 answer of each operation with the names it can carry, and links from a list to its records
and from a record to its PATCH (with the ETag as If-Match) and to the records it names.

A drf-spectacular POSTPROCESSING_HOOKS entry, after document_error_responses."""

from pilot_admin.filters import ID_MAX

INPUT_RULES = """

**输入规则**

- 查询参数：整数只用阿拉伯数字 0–9 书写，不带正负号、小数点、空格或前导零；布尔值只能是 `true` 或 `false`；
  每个参数只能出现一次；参数不能为空，不按某个条件筛选时请省略该参数；未列出的参数忽略。取值不被接受时返回 400，
  响应体按参数名列出中文说明，如 `{"year": ["…"]}`。
- 分页：`page` 从 1 开始，超出末页返回 404；`page_size` 为 1–200，默认 50。
- 路径中的 id 只用阿拉伯数字书写，不带前导零；其他写法与不存在、不在查看范围内的 id 一样返回 404。
- 请求体为 JSON，每个字段只接受其 JSON 类型：文本字段只接受字符串，且不能以空白字符开头或结尾；
  整数字段只接受 JSON 整数；布尔字段只接受 `true`、`false`；金额等十进制数为普通写法的字符串，
  如 `"12345.50"`（不用科学计数法）。
  未列出的字段忽略。不被接受时返回 400，响应体按字段名列出中文说明；整个请求的问题为 `{"detail": "…"}`。
"""

_MESSAGES = {"type": "array", "items": {"type": "string"}, "description": "该参数或字段的错误说明（中文）。"}


def _field_map(names, description: str, *, open_ended: bool) -> dict:
    return {
        "type": "object",
        "description": description,
        "properties": dict.fromkeys(sorted(names), _MESSAGES),
        "minProperties": 1,
        "additionalProperties": _MESSAGES if open_ended else False,
    }


def _json_400(operation: dict, schema: dict) -> None:
    response = operation["responses"].setdefault("400", {"description": "输入或查询参数有误。"})
    response["content"] = {"application/json": {"schema": schema}}


def _component(result: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = result["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _request_error(result: dict) -> dict:
    """The answer for a request as a whole (a body that is not JSON): {"detail": "…"}."""
    if "Error" in result.get("components", {}).get("schemas", {}):
        return {"$ref": "#/components/schemas/Error"}
    return {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}


def _body_fields(result: dict, operation: dict) -> set[str]:
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    return set(_component(result, schema).get("properties", {})) if schema else set()


def _document_parameters(path: str, method: str, operation: dict) -> None:
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        if parameter["in"] == "path" and parameter["name"] == "id":
            parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": ID_MAX}
            parameter.setdefault("description", "记录 id（阿拉伯数字，不带前导零）")
        elif parameter["in"] == "query" and schema.get("type") == "string" and "enum" not in schema:
            # The API refuses an empty value (pilot_admin.filters, inputs.QuerySerializer).
            schema["minLength"] = max(schema.get("minLength", 0), 1)


def _links(result: dict) -> None:
    paths = result["paths"]
    operation_ids = {
        (path, method): operation["operationId"]
        for path, item in paths.items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "operationId" in operation
    }

    def link(path: str, method: str, parameters: dict, description: str) -> dict | None:
        if (path, method) not in operation_ids:
            return None
        return {"operationId": operation_ids[(path, method)], "parameters": parameters, "description": description}

    def add(operation: dict, name: str, value: dict | None) -> None:
        if value is not None and "200" in operation["responses"]:
            operation["responses"]["200"].setdefault("links", {})[name] = value

    for path, item in paths.items():
        if not path.endswith("/{id}/"):
            continue
        prefix = path.removesuffix("/{id}/").rsplit("/", 1)[0] + "/"
        listing = path.removesuffix("{id}/")
        if "get" in paths.get(listing, {}):
            add(
                paths[listing]["get"],
                "retrieve",
                link(path, "get", {"id": "$response.body#/results/0/id"}, "列表中第一条记录的详情"),
            )
        if "get" not in item:
            continue
        add(
            item["get"],
            "partial_update",
            link(
                path,
                "patch",
                {"path.id": "$request.path.id", "header.If-Match": "$response.header.ETag"},
                "修改这条记录：ETag 作为 If-Match",
            ),
        )
        if "patch" in item:
            add(item["patch"], "retrieve", link(path, "get", {"id": "$response.body#/id"}, "修改后的记录"))
        # The records a record names by id: a `township` field leads to /townships/{id}/, and so on.
        content = item["get"]["responses"].get("200", {}).get("content", {}).get("application/json", {})
        properties = _component(result, content.get("schema", {})).get("properties", {})
        for name, schema in properties.items():
            target = f"{prefix}{name}s/{{id}}/"
            if schema.get("type") == "integer" and not schema.get("nullable") and target != path:
                add(item["get"], name, link(target, "get", {"id": f"$response.body#/{name}"}, f"{name} 所指的记录"))


def document_inputs(result, generator, request, public):
    info = result.setdefault("info", {})
    info["description"] = info.get("description", "") + INPUT_RULES
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            _document_parameters(path, method, operation)
            query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            if method == "get" and query:
                _json_400(operation, _field_map(query, "查询参数有误：按参数名列出错误说明。", open_ended=False))
            elif method == "patch":
                fields = _body_fields(result, operation)
                _json_400(
                    operation,
                    {
                        "anyOf": [
                            _request_error(result),
                            _field_map(fields, "字段有误：按字段名列出错误说明。", open_ended=True),
                        ]
                    },
                )
    _links(result)
    return result
