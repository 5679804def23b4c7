"""API contract fuzzing: schemathesis generates requests for every operation of /api/v1/schema/
and sends them in-process through the WSGI application, as each role, against a database seeded
with rows of the caller's township, another township and another county (so generated ids hit
real, foreign and missing rows). Every answer must be a non-5xx status the schema documents,
with the documented content type and a body matching the documented schema."""

import contextlib
import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import resolve, reverse
from hypothesis import HealthCheck, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pilot_admin.models import ApiToken
from tests.test_access_matrix import foreign_objects, objects  # noqa: F401  (fixtures: seeded rows)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Examples per operation and role; FUZZ_EXAMPLES raises it for a longer local run.
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
ROLES = ["county_admin", "county_viewer", "department", "inspector", "api_client", "township_a"]


@contextlib.contextmanager
def _on_test_connection():
    """Like Django's test client, keep the request signals from closing the database connection
    between requests of the real WSGI application, or the test transaction is lost."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _schema(client, headers, app):
    response = client.get(reverse("api_schema"), {"format": "json"}, headers=headers)
    assert response.status_code == 200
    schema = schemathesis.openapi.from_dict(response.json())
    schema.app = app
    return schema


def _fuzz(operation, headers, statuses, examples=MAX_EXAMPLES, **fixed):
    """Send `examples` generated requests (with `fixed` parts, e.g. path_parameters) and check
    every answer; the statuses seen go into `statuses`."""

    @seed(7)
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(**fixed))
    def run(case):
        response = case.call(headers=headers)
        statuses.add(response.status_code)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


def _model_of(path: str):
    """The model behind an `{id}` operation, from its view's serializer (None when the view
    names none)."""
    view = resolve(path.replace("{id}", "1")).func
    serializer = getattr(getattr(view, "cls", None), "serializer_class", None)
    return getattr(getattr(serializer, "Meta", None), "model", None)


def _rows(seeded, extra):
    rows = {}
    for row in [*extra, *seeded.values()]:
        rows.setdefault(type(row), row)
    return rows


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_keeps_its_contract(client, personas, objects, foreign_objects, department, role):  # noqa: F811
    user = personas[role]
    # Token auth, as the API's machine clients call it (a county admin's session would first
    # owe its second factor).
    headers = {"Authorization": f"Token {ApiToken.objects.get_or_create(user=user)[0].key}"}
    schema = _schema(client, headers, get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 24, "the schema lost operations"
    # Rows of this county (township A, the department) and of another county, by model: every
    # `{id}` operation is also fuzzed on a real row and on a foreign one.
    home = _rows(objects, [objects["village"].township, department])
    foreign = _rows(
        foreign_objects, [foreign_objects["village"].township, foreign_objects["rectification"].responsible_unit]
    )
    failures, seen = [], {}
    with _on_test_connection():
        for operation in operations:
            name = f"{operation.method.upper()} {operation.path}"
            model = _model_of(operation.path) if "{id}" in operation.path else None
            runs = [("random", {})]
            if model in home:
                runs.append(("home", {"path_parameters": {"id": home[model].pk}}))
            if model in foreign:
                runs.append(("foreign", {"path_parameters": {"id": foreign[model].pk}}))
            for label, fixed in runs:
                statuses = seen.setdefault((name, label), set())
                try:
                    _fuzz(operation, headers, statuses, examples=MAX_EXAMPLES if label == "random" else 2, **fixed)
                except (AssertionError, FailureGroup) as error:  # every operation's failures, reported together
                    failures.append(f"{name} ({label} id): {error}")
    assert not failures, "\n\n".join(failures)
    # Another county's rows are never shown to anyone; the county office sees its own.
    leaked = {key: codes for key, codes in seen.items() if key[1] == "foreign" and 200 in codes}
    assert not leaked
    if role == "county_admin":
        details = [key for key in seen if key[0].startswith("GET ") and key[1] == "home"]
        assert len(details) >= 8
        assert all(seen[key] == {200} for key in details), {key: seen[key] for key in details}
