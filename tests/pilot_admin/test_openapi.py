"""The OpenAPI 3 schema of REST API v1 and its browsable docs: complete, warning-free, and usable on
an offline county intranet."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse

from villages.selectors import pilot_quota_stats

SCHEMA = reverse("api_schema")
DOCS = reverse("api_docs")

PAGINATION = {"page", "page_size"}
PERSON_FILTERS = {"township", "village", "kind", "civil_capacity", "support_mode", "self_care_level", "status"} | {
    "guardian_category",
    "visited",
    "agreement",
    "search",
    "visited_in",
    "not_visited_in",
}
# Every path of the contract with the query parameters each must document.
EXPECTED_PATHS = {
    "/api/v1/": ("get", set()),
    "/api/v1/auth/token/": ("post", set()),
    "/api/v1/townships/": ("get", PAGINATION),
    "/api/v1/townships/{id}/": ("get", set()),
    "/api/v1/villages/": ("get", PAGINATION | {"township", "is_pilot", "program", "year", "search", "kind", "status"}),
    "/api/v1/villages/{id}/": ("get", set()),
    "/api/v1/pilot-assignments/": (
        "get",
        PAGINATION
        | {"program", "year", "township", "level", "status", "ledger", "is_demonstration", "provincial_status"},
    ),
    "/api/v1/pilot-assignments/{id}/": ("get", set()),
    "/api/v1/pilot-nominations/": ("get", PAGINATION | {"program", "year", "township", "state"}),
    "/api/v1/pilot-nominations/{id}/": ("get", set()),
    "/api/v1/stats/pilots/": ("get", {"program", "year"}),
    "/api/v1/imports/villages/": ("post", set()),
    "/api/v1/imports/pilot-assignments/": ("post", set()),
    "/api/v1/imports/task-plan/": ("post", set()),
    "/api/v1/imports/runs/{id}/": ("get", set()),
    "/api/v1/departments/": ("get", PAGINATION),
    "/api/v1/departments/{id}/": ("get", set()),
    "/api/v1/tasks/": ("get", PAGINATION | {"program", "department", "township", "phase", "status", "overdue"}),
    "/api/v1/tasks/{id}/": ("get", set()),
    "/api/v1/progress-reports/": ("get", PAGINATION | {"task", "unit", "period", "status"}),
    "/api/v1/progress-reports/{id}/": ("get", set()),
    "/api/v1/stats/tasks/": ("get", {"program", "year"}),
    "/api/v1/inspections/": ("get", PAGINATION | {"program", "year", "township", "grade", "status"}),
    "/api/v1/inspections/{id}/": ("get", set()),
    "/api/v1/stats/assessments/": ("get", {"program", "year"}),
    "/api/v1/persons/": ("get", PAGINATION | PERSON_FILTERS),
    "/api/v1/persons/{id}/": ("get", set()),
    "/api/v1/stats/guardianship/": ("get", {"month", "township"}),
}
# The write methods on read resources (optimistic locking: If-Match in, 412/428 documented).
EXPECTED_WRITES = {
    "/api/v1/villages/{id}/": "patch",
    "/api/v1/persons/{id}/": "patch",
}


@pytest.fixture
def schema(client, county_viewer):
    client.force_login(county_viewer)
    response = client.get(SCHEMA, {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _query_parameters(operation):
    return {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}


def _component(schema, ref):
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def test_schema_requires_sign_in(client, db):
    response = client.get(SCHEMA, {"format": "json"})
    assert response.status_code == 401
    assert "paths" not in response.content.decode()


@pytest.mark.parametrize("path", sorted(EXPECTED_PATHS))
def test_schema_documents_every_path_with_its_parameters(schema, path):
    method, expected = EXPECTED_PATHS[path]
    operation = schema["paths"][path][method]
    assert set(_query_parameters(operation)) == expected
    if "{id}" in path:
        assert [p["name"] for p in operation["parameters"] if p["in"] == "path"] == ["id"]


@pytest.mark.parametrize("path", sorted(EXPECTED_WRITES))
def test_schema_documents_the_write_methods_with_if_match(schema, path):
    operation = schema["paths"][path][EXPECTED_WRITES[path]]
    headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
    assert headers["If-Match"]["required"] is True
    assert {"200", "403", "404", "412", "428"} <= set(operation["responses"])
    assert "ETag" in operation["responses"]["200"].get("headers", {})
    assert "ETag" in schema["paths"][path]["get"]["responses"]["200"].get("headers", {})
    assert "put" not in schema["paths"][path]


def test_schema_types_the_filters_precisely(schema):
    villages = _query_parameters(schema["paths"]["/api/v1/villages/"]["get"])
    assert villages["program"]["schema"]["type"] == "string"
    assert villages["year"]["schema"]["type"] == "integer"
    assert villages["township"]["schema"]["type"] == "integer"
    assert villages["is_pilot"]["schema"]["type"] == "boolean"
    assert set(villages["kind"]["schema"]["enum"]) == {"administrative_village", "residential_community"}
    assert set(villages["status"]["schema"]["enum"]) == {"active", "merged"}
    pilots = _query_parameters(schema["paths"]["/api/v1/pilot-assignments/"]["get"])
    assert set(pilots["level"]["schema"]["enum"]) == {"provincial_key", "county"}
    assert set(pilots["status"]["schema"]["enum"]) == {"proposed", "approved", "accepted", "withdrawn"}
    assert set(pilots["ledger"]["schema"]["enum"]) == {"open", "accepted", "counted"}
    assert set(pilots["provincial_status"]["schema"]["enum"]) == {"none", "applied", "granted", "not_granted"}
    nominations = _query_parameters(schema["paths"]["/api/v1/pilot-nominations/"]["get"])
    assert set(nominations["state"]["schema"]["enum"]) == {"pending", "returned", "approved", "withdrawn"}
    stats = _query_parameters(schema["paths"]["/api/v1/stats/pilots/"]["get"])
    assert stats["program"]["required"] is True
    assert stats["year"]["required"] is True
    assert stats["year"]["schema"]["type"] == "integer"


def test_schema_describes_the_response_fields(schema):
    def fields(path, paginated=True):
        ref = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        component = _component(schema, ref)
        if paginated:
            assert {"count", "next", "previous", "results"} <= set(component["properties"])
            component = _component(schema, component["properties"]["results"]["items"]["$ref"])
        return component

    assert set(fields("/api/v1/townships/")["properties"]) == {"id", "code", "name", "village_count"}
    village = fields("/api/v1/villages/")
    assert set(village["properties"]) == {
        "id",
        "code",
        "name",
        "township",
        "township_name",
        "kind",
        "is_active",
        "status",
        "established_on",
        "ended_on",
        "community_since",
        "households",
        "population",
        "pilot",
    }
    assert village["properties"]["pilot"]["nullable"] is True
    pilot = _component(schema, village["properties"]["pilot"]["allOf"][0]["$ref"])
    assert set(pilot["properties"]) == {"program", "year", "level", "status"}
    assert set(fields("/api/v1/pilot-assignments/")["properties"]) == {
        "id",
        "village",
        "village_name",
        "township_name",
        "program",
        "year",
        "level",
        "status",
        "provincial_status",
        "provincial_decided_on",
        "approved_at",
        "withdrawn_at",
        "accepted_on",
        "acceptance_document_no",
        "is_demonstration",
    }
    assert "reason" in fields("/api/v1/pilot-nominations/")["properties"]


def test_stats_schema_matches_what_the_selector_returns(schema, county_admin, program, village_a):
    """The stats endpoint returns QuotaReport.as_dict() as is: the schema must name exactly its keys."""
    stats = schema["paths"]["/api/v1/stats/pilots/"]["get"]
    assert "400" in stats["responses"]
    top = _component(schema, stats["responses"]["200"]["content"]["application/json"]["schema"]["$ref"])
    county = _component(schema, top["properties"]["county"]["$ref"])
    township = _component(schema, top["properties"]["townships"]["items"]["$ref"])

    report = pilot_quota_stats(user=county_admin, program=program, year=program.start_year).as_dict()

    assert set(top["properties"]) == set(top["required"]) == set(report)
    assert set(county["properties"]) == set(county["required"]) == set(report["county"])
    assert report["townships"], "the fixture county has a township to describe"
    assert set(township["properties"]) == set(township["required"]) == set(report["townships"][0])


def test_schema_generation_emits_no_warnings_or_errors(tmp_path):
    target = tmp_path / "schema.yaml"
    # --fail-on-warn turns any drf-spectacular warning or error into an exception.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text(encoding="utf-8")
    assert "/api/v1/stats/pilots/:" in text
    assert "/api/v1/villages/{id}/:" in text


def test_docs_page_loads_only_local_assets(client, county_viewer):
    assert client.get(DOCS).status_code in (302, 401, 403)
    client.force_login(county_viewer)

    response = client.get(DOCS)

    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert any(url.endswith(".js") for url in assets)
    assert any(url.endswith(".css") for url in assets)
    # Swagger UI's start-up code is served by the docs view itself (?script), not inline: the
    # Content-Security-Policy allows no inline script.
    init = f"{DOCS}?script="
    assert init in assets
    for url in assets:
        assert not re.match(r"^(https?:)?//", url), url
        if url == init:
            continue
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not among the static files"
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert "<script>" not in html
    script = client.get(init)
    assert script["Content-Type"].startswith("application/javascript")
    assert f'url: "{SCHEMA}"' in script.content.decode()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def _in_the_error_shape(body, refs) -> bool:
    """A reference to the error components, or the field map written out for one operation's own
    parameters (each a list of messages), or a choice with one of those (an import also has its row errors)."""
    if body.get("$ref") in refs:
        return True
    alternatives = body.get("oneOf") or body.get("anyOf")
    if alternatives:
        return any(_in_the_error_shape(alternative, refs) for alternative in alternatives)
    properties = body.get("properties") or {}
    return (
        body.get("type") == "object"
        and bool(properties)
        and all(p.get("type") == "array" and p.get("items", {}).get("type") == "string" for p in properties.values())
    )


def test_every_operation_documents_its_errors_in_the_one_error_shape(schema):
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]
    refs = {"#/components/schemas/Error", "#/components/schemas/ValidationError"}
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        expected = {"401", "403", "429"}
        if "{id}" in path:
            expected.add("404")
        if method in ("post", "patch"):
            expected |= {"400", "413", "415"}
        if method == "patch":
            expected |= {"412", "428"}
        assert expected <= set(responses), (path, method, expected - set(responses))
        for code, response in responses.items():
            if code.startswith("2"):
                continue
            body = response["content"]["application/json"]["schema"]
            assert _in_the_error_shape(body, refs), (path, method, code, body)
            assert re.search(r"[\u4e00-\u9fff]", response["description"]), (path, method, code)


def test_descriptions_are_for_clients_in_chinese(schema):
    for path, method, operation in _operations(schema):
        for key in ("summary", "description"):
            assert re.search(r"[\u4e00-\u9fff]", operation.get(key, "")), (path, method, key)
    for name, scheme in schema["components"]["securitySchemes"].items():
        assert re.search(r"[\u4e00-\u9fff]", scheme["description"]), name
    text = str(schema)
    # The views' docstrings carry notes for developers; none of them may reach the schema.
    assert "SPEC" not in text and "§" not in text and "anyone else" not in text


def test_schema_states_what_the_api_accepts(schema):
    """Bounds, patterns and the 400 field map: the schema says exactly what is accepted
    (tests/pilot_admin/test_api_input.py shows the API holding to it)."""
    villages = schema["paths"]["/api/v1/villages/"]["get"]
    query = _query_parameters(villages)
    assert query["year"]["schema"] == {"type": "integer", "minimum": 1000, "maximum": 9999}
    assert (query["township"]["schema"]["minimum"], query["township"]["schema"]["maximum"]) == (1, 2**63 - 1)
    assert query["page"]["schema"]["minimum"] == 1
    assert (query["page_size"]["schema"]["minimum"], query["page_size"]["schema"]["maximum"]) == (1, 200)
    assert query["program"]["schema"]["pattern"] == "^[-a-zA-Z0-9_]+$"
    assert query["search"]["schema"]["minLength"] == 1
    assert query["is_pilot"]["schema"] == {"type": "boolean"}
    errors = villages["responses"]["400"]["content"]["application/json"]["schema"]
    assert set(errors["properties"]) == set(query)
    assert errors["additionalProperties"] is False
    detail = schema["paths"]["/api/v1/villages/{id}/"]
    (path_id,) = [p for p in detail["get"]["parameters"] if p["in"] == "path"]
    assert path_id["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    body = _component(schema, detail["patch"]["requestBody"]["content"]["application/json"]["schema"]["$ref"])[
        "properties"
    ]
    assert body["collective_income_yuan"]["pattern"] == r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$"
    assert body["name"]["pattern"].startswith("^[^\\t\\n")
    assert body["households"]["type"] == "integer"
    assert list(detail["patch"]["requestBody"]["content"]) == ["application/json"]
    assert "输入规则" in schema["info"]["description"]


def test_schema_links_lists_to_records_and_records_to_their_patch(schema):
    listing = schema["paths"]["/api/v1/villages/"]["get"]["responses"]["200"]["links"]
    assert listing["retrieve"] == {
        "operationId": "villages_retrieve",
        "parameters": {"id": "$response.body#/results/0/id"},
        "description": "列表中第一条记录的详情",
    }
    record = schema["paths"]["/api/v1/villages/{id}/"]["get"]["responses"]["200"]["links"]
    assert record["partial_update"]["parameters"] == {
        "path.id": "$request.path.id",
        "header.If-Match": "$response.header.ETag",
    }
    assert record["township"]["operationId"] == "townships_retrieve"
    person = schema["paths"]["/api/v1/persons/{id}/"]["get"]["responses"]["200"]["links"]
    assert {"partial_update", "village", "township"} <= set(person)
