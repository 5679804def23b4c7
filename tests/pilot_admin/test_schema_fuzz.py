"""API contract fuzzing: schemathesis generates requests for every operation of /api/v1/schema/
and sends them in-process through the WSGI application, as each role, against a database seeded
with rows of the caller's township, another township and another county (so generated ids hit
real, foreign and missing rows), and every answer must pass every check schemathesis has
(not_a_server_error, status_code/content_type/response_headers/response_schema_conformance,
negative_data_rejection, positive_data_acceptance, missing_required_header, unsupported_method,
allow_header_conformance, use_after_free, ensure_resource_availability, ignored_auth,
object_level_authorization).

Per role, in the test's own thread (the test database's transaction is visible to no other):
- the fuzzing phase (random valid and invalid requests) on every operation, each `{id}`
  operation also on a real row and on another county's; for the county office and a township
  official (together they reach and edit everything) also the coverage phase first: boundary
  values, each parameter missing, of the wrong type, out of range or given twice, and undeclared
  methods (FUZZ_COVERAGE=all runs it for every role);
- stateful runs along the schema's links: a list's first id to its record, the record's ETag to
  its PATCH, a record to the records it names.
A PATCH whose If-Match schemathesis drew as valid is sent with the record's current ETag (fetched
just before), so well-formed edits reach the 200 path instead of all ending in 412.

Allowances, each stated where it is made: 428 is an expected answer to a PATCH without its
required If-Match; and a request valid by the schema that is refused (400) only on names whose
rule a schema cannot state (BEYOND_THE_SCHEMA: an id of a row the caller may see, a program's
years, an ID number's check character, an account's password, a workbook's content) is not a
`positive_data_acceptance` failure. Every such refusal is counted and printed; any other 400 to
valid data still fails.

Prints a summary per role in the test output, captured or not: operations, cases per phase,
check outcomes per check, statuses. FUZZ_EXAMPLES (fuzzing examples per operation) and
FUZZ_STATEFUL (state-machine runs) make a longer local run. Builds its Hypothesis tests with
schemathesis' own builder (schemathesis.generation.hypothesis.builder), as its pytest plugin does,
so that the run stays in this thread.
"""

import collections
import contextlib
import json
import logging
import os
import time

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import resolve, reverse
from hypothesis import HealthCheck, Phase
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.engine import Status
from schemathesis.generation.hypothesis.builder import HypothesisTestConfig, HypothesisTestMode, create_test
from schemathesis.generation.overrides import Override
from schemathesis.openapi.checks import RejectedPositiveData

from pilot_admin.models import ApiToken
from tests.test_access_matrix import foreign_objects, objects  # noqa: F401  (fixtures: seeded rows)

ROLES = ["county_admin", "county_viewer", "department", "inspector", "api_client", "township_a"]
# The coverage phase (a few dozen deterministic cases per operation, most of the run's time) for
# the roles that can reach and edit every operation between them: the county office and a
# township official. FUZZ_COVERAGE=all gives it to every role.
COVERAGE_ROLES = ROLES if os.environ.get("FUZZ_COVERAGE") == "all" else ["county_admin", "township_a"]
# Fuzzing examples per operation (the coverage phase adds its own, a few dozen each).
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
# State-machine runs per role, and steps per run.
STATEFUL_RUNS = int(os.environ.get("FUZZ_STATEFUL", "25"))
STATEFUL_STEPS = 8
SEED = 7

# Names a 400 may carry on data the schema calls valid, by operation: a schema states types,
# ranges and patterns, not which rows exist or what the record's other fields allow.
LOOKED_UP = {"township", "village", "department", "task", "unit", "period", "program"}
BEYOND_THE_SCHEMA = {
    # Ids and codes must name a row the caller may see.
    "GET /api/v1/villages/": LOOKED_UP,
    "GET /api/v1/pilot-assignments/": LOOKED_UP,
    "GET /api/v1/pilot-nominations/": LOOKED_UP,
    "GET /api/v1/tasks/": LOOKED_UP,
    "GET /api/v1/progress-reports/": LOOKED_UP,
    "GET /api/v1/inspections/": LOOKED_UP,
    "GET /api/v1/persons/": LOOKED_UP,
    "GET /api/v1/supervision-committees/": LOOKED_UP,
    # … and the year must be one of the program's; the month not later than this one.
    "GET /api/v1/stats/pilots/": {"program", "year"},
    "GET /api/v1/stats/standards/": {"program", "year", "township"},
    "GET /api/v1/stats/tasks/": {"program", "year"},
    "GET /api/v1/stats/assessments/": {"program", "year"},
    "GET /api/v1/stats/guardianship/": {"township", "month"},
    "GET /api/v1/stats/supervision/": {"township", "month"},
    # A village code starts with its township's and is unique; a name is unique in its township.
    # (A rule of the whole record comes keyed `__all__` from the model, `non_field_errors` from a service.)
    # An administrative village becomes a community by a dated event, not a PATCH (issue 13).
    "PATCH /api/v1/villages/{id}/": {"code", "kind", "__all__", "non_field_errors"},
    # An ID number has a real birth date and check character and is unique; the village must be
    # one the caller works in; eligibility rules join several fields.
    "PATCH /api/v1/persons/{id}/": {"id_number", "village", "__all__", "non_field_errors"},
    # A username and password must be an account's.
    "POST /api/v1/auth/token/": {"non_field_errors"},
    # Any file is valid by the schema; an import reads an .xlsx workbook with the kind's columns.
    "POST /api/v1/imports/villages/": {"errors"},
    "POST /api/v1/imports/pilot-assignments/": {"errors"},
    "POST /api/v1/imports/task-plan/": {"errors"},
}


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


@contextlib.contextmanager
def _quiet(name):
    """Thousands of 4xx answers are the point here, not news: only errors are logged."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


class Run:
    """One role's run: its schema (token auth, every check), and what it saw."""

    def __init__(self, client, token: str, app):
        response = client.get(reverse("api_schema"), {"format": "json"}, headers={"Authorization": f"Token {token}"})
        assert response.status_code == 200
        self.token = token
        config = SchemathesisConfig.from_dict(
            {
                "seed": SEED,
                "auth": {"openapi": {"tokenAuth": {"api_key": f"Token {token}"}}},
                "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
                "phases": {
                    "coverage": {"generate-duplicate-query-parameters": True},
                    # Links are followed from answers with data: valid requests only.
                    "stateful": {"generation": {"mode": "positive"}},
                },
                # 428 Precondition Required is the answer to a PATCH without its required
                # If-Match (RFC 6585), besides the statuses schemathesis expects by default.
                "checks": {
                    "missing_required_header": {"expected-statuses": ["400", "401", "403", "406", "415", "422", "428"]}
                },
            }
        )
        self.schema = schemathesis.openapi.from_dict(response.json(), config=config)
        self.schema.app = app
        self.app_client = client
        self.cases = collections.Counter()
        self.labels = collections.Counter()
        self.timing = collections.Counter()
        self.statuses = collections.Counter()
        self.checks = collections.Counter()
        self.allowed = collections.Counter()
        self.failures = {}
        self.seen = collections.defaultdict(set)

        # Hooks are plain functions named for the hook.
        def filter_failure(context, failure, case, response):
            return self.filter_failure(failure, case, response)

        def after_validate(context, case, response, results):
            self.after_validate(results)

        self.schema.hook(filter_failure)
        self.schema.hook(after_validate)

    # -- hooks ------------------------------------------------------------------------------------

    def filter_failure(self, failure, case, response):
        """Keep every failure but a 400 to schema-valid data on names only BEYOND_THE_SCHEMA."""
        if not isinstance(failure, RejectedPositiveData) or response.status_code != 400:
            return True
        try:
            body = json.loads(response.content)
        except ValueError:
            return True
        names = set(body) if isinstance(body, dict) else set()
        allowed = BEYOND_THE_SCHEMA.get(case.operation.label, set())
        if names and names <= allowed:
            self.allowed[(case.operation.label, ", ".join(sorted(names)))] += 1
            return False
        return True

    def after_validate(self, results):
        for result in results:
            self.checks[(result.name, result.status)] += 1

    # -- sending ----------------------------------------------------------------------------------

    def current_etag(self, case):
        """The record's ETag now, for a PATCH whose If-Match was drawn valid."""
        headers = case.headers or {}
        if case.method.upper() != "PATCH" or "If-Match" not in headers or _negative(case, ParameterLocation.HEADER):
            return
        if _negative(case, ParameterLocation.PATH):
            return
        response = self.app_client.get(case.formatted_path, headers={"Authorization": f"Token {self.token}"})
        # Django's test client connects close_old_connections again when its request ends; on
        # PostgreSQL (CONN_MAX_AGE 0 in tests) the next real WSGI request would then close the
        # test's connection and lose its transaction. Disconnected again, as _on_test_connection has it.
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        if response.status_code == 200:
            headers["If-Match"] = response["ETag"]

    def record(self, label, case, response, error=None):
        name = f"{case.method.upper()} {case.operation.path}"
        self.cases[name] += 1
        self.labels[label] += 1
        self.statuses[response.status_code] += 1
        self.seen[(name, label)].add(response.status_code)
        if error is not None:
            for failure in error.exceptions:
                key = (name, label, type(failure).__name__, failure.title)
                self.failures.setdefault(key, f"{failure.title}: {failure.message}\n{case.as_curl_command()}")

    def send(self, case, label):
        self.current_etag(case)
        response = case.call()
        try:
            case.validate_response(response)
        except FailureGroup as error:
            self.record(label, case, response, error)
        else:
            self.record(label, case, response)

    # -- phases -----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def timed(self, label):
        started = time.monotonic()
        try:
            yield
        finally:
            self.timing[label] += time.monotonic() - started

    def operation(self, operation, label="random", coverage=False, **fixed):
        """Fuzzing (and coverage) of one operation; `fixed` pins parts such as path_parameters."""
        settings = hypothesis.settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        modes = [HypothesisTestMode.COVERAGE, HypothesisTestMode.FUZZING] if coverage else [HypothesisTestMode.FUZZING]
        override = Override(**fixed) if fixed else None
        test = create_test(
            operation=operation,
            test_func=lambda case: self.send(case, label),
            config=HypothesisTestConfig(
                project=self.schema.config,
                modes=modes,
                settings=settings,
                seed=SEED,
                **({"override": override} if override else {}),
            ),
        )
        with self.timed(label):
            test()

    def stateful(self):
        run = self

        class Workflow(self.schema.as_state_machine()):
            def before_call(self, case):
                # A list starts each chain (nothing links to it) from its first page, unfiltered,
                # so that there are records to follow; its filters are fuzzed in the other phases.
                if any(p.name == "page" for p in case.operation.iter_parameters()):
                    case.query = {}
                run.current_etag(case)

            def validate_response(self, response, case, additional_checks=None, **kwargs):
                try:
                    super().validate_response(response, case, additional_checks, **kwargs)
                except FailureGroup as error:
                    run.record("stateful", case, response, error)
                else:
                    run.record("stateful", case, response)

        with self.timed("stateful"):
            self._run_machine(Workflow)

    def _run_machine(self, Workflow):
        run_state_machine_as_test(
            Workflow,
            settings=hypothesis.settings(
                max_examples=STATEFUL_RUNS,
                stateful_step_count=STATEFUL_STEPS,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.generate],
            ),
        )

    def summary(self, role, operations, elapsed) -> str:
        passed = sum(n for (_, status), n in self.checks.items() if status == Status.SUCCESS)
        failed = sum(n for (_, status), n in self.checks.items() if status == Status.FAILURE)
        by_check = collections.Counter()
        for (name, status), n in self.checks.items():
            if status == Status.SUCCESS:
                by_check[name] += n
        lines = [
            f"schemathesis {schemathesis.__version__} — role {role}: {len(operations)} operations, "
            f"{sum(self.cases.values())} cases, {passed} checks passed, {failed} failed, {elapsed:.1f}s",
            "  cases: " + ", ".join(f"{label} {n} ({self.timing[label]:.1f}s)" for label, n in self.labels.items()),
            "  checks passed: " + ", ".join(f"{name} {n}" for name, n in sorted(by_check.items())),
            "  statuses: " + ", ".join(f"{code}×{n}" for code, n in sorted(self.statuses.items())),
        ]
        if self.allowed:
            lines.append(
                "  valid by the schema, refused on a rule beyond it (400): "
                + "; ".join(f"{op} [{names}]×{n}" for (op, names), n in sorted(self.allowed.items()))
            )
        return "\n".join(lines)


def _negative(case, location) -> bool:
    meta = case.meta
    if meta is None:
        return False
    component = meta.components.get(location)
    return component is not None and component.mode.is_negative


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
def test_every_operation_keeps_its_contract(client, personas, objects, foreign_objects, department, capsys, role):  # noqa: F811
    started = time.monotonic()
    user = personas[role]
    # Token auth, as the API's machine clients call it (a county admin's session would first
    # owe its second factor).
    run = Run(client, ApiToken.objects.get_or_create(user=user)[0].key, get_wsgi_application())
    operations = [result.ok() for result in run.schema.get_all_operations()]
    assert len(operations) >= 24, "the schema lost operations"
    # Rows of this county (township A, the department) and of another county, by model: every
    # `{id}` operation is also fuzzed on a real row and on a foreign one.
    home = _rows(objects, [objects["village"].township, department])
    foreign = _rows(
        foreign_objects, [foreign_objects["village"].township, foreign_objects["rectification"].responsible_unit]
    )
    with _on_test_connection(), _quiet("django.request"), _quiet("axes"):
        for operation in operations:
            run.operation(operation, coverage=role in COVERAGE_ROLES)
            model = _model_of(operation.path) if "{id}" in operation.path else None
            if model in home:
                run.operation(operation, "home", path_parameters={"id": home[model].pk})
            if model in foreign:
                run.operation(operation, "foreign", path_parameters={"id": foreign[model].pk})
        run.stateful()
    with capsys.disabled():
        print("\n" + run.summary(role, operations, time.monotonic() - started))

    assert not run.failures, "\n\n".join(run.failures.values())
    # Another county's rows are never shown to anyone; the county office sees its own.
    leaked = {key: codes for key, codes in run.seen.items() if key[1] == "foreign" and 200 in codes}
    assert not leaked
    if role == "county_admin":
        details = [key for key in run.seen if key[0].startswith(("GET ", "PATCH ")) and key[1] == "home"]
        assert len(details) >= 10
        assert all(200 in run.seen[key] for key in details), {key: run.seen[key] for key in details}
        # The stateful runs followed the links and PATCHed with the ETag a record's GET gave:
        # never refused for a missing or stale If-Match (428, 412). What else a step meets depends
        # on the seeded draws on a busy worker (a generated code not under its township's: 400; a
        # link from an empty page: 404), and each answer's contract is checked above; the edit
        # itself is the seeded record's PATCH, which must succeed.
        assert 200 in run.seen[("PATCH /api/v1/villages/{id}/", "home")]
        stateful_patch = run.seen[("PATCH /api/v1/villages/{id}/", "stateful")]
        assert stateful_patch and not stateful_patch & {412, 428}, stateful_patch
    if role == "township_a":
        assert 200 in run.seen[("PATCH /api/v1/persons/{id}/", "home")]
