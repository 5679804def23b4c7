"""Personas (Healthchecks style): the county office, a viewer, two township officials of
different townships, a department user, an inspector, an API client and a stranger; and the
three separated administrator duties (system, security, audit), which see no county data."""

import pytest

from pilot_admin.choices import Role
from tests.factories import (
    CountyFactory,
    DepartmentFactory,
    PilotProgramFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rolled-back tests can reuse ids (SQLite): no test may read figures another one cached."""
    from django.core.cache import cache

    from home import navigation
    from pilot_admin import filters, statements

    cache.clear()
    # What the process keeps (pilot_admin.memo: statements, form classes, menus) is a pure function
    # of its key, but a test that replaces a selector must see it called, and one that counts
    # what is kept must start from nothing.
    statements._STATEMENTS.clear()
    filters._FORM_CLASSES.clear()
    navigation._ALLOWED.clear()
    navigation._HEADER_SQL.clear()


@pytest.fixture
def county(db):
    return CountyFactory()


@pytest.fixture
def township_a(county):
    return TownshipFactory(county=county, name="水布垭镇", code="422823104")


@pytest.fixture
def township_b(county):
    return TownshipFactory(county=county, name="东瀼口镇", code="422823101")


@pytest.fixture
def village_a(township_a):
    return VillageFactory(township=township_a, name="水布垭村", code="422823104201")


@pytest.fixture
def village_b(township_b):
    return VillageFactory(township=township_b, name="东瀼口村", code="422823101201")


@pytest.fixture
def department(county):
    return DepartmentFactory(county=county, key="civil_affairs", name="县民政局")


@pytest.fixture
def program(county):
    return PilotProgramFactory(county=county, code="badong-13th-fyp")


@pytest.fixture
def county_admin(county):
    return UserFactory(username="county_admin", role=Role.COUNTY_ADMIN, county=county, is_staff=True)


@pytest.fixture
def county_viewer(county):
    return UserFactory(username="county_viewer", role=Role.COUNTY_VIEWER, county=county)


@pytest.fixture
def township_a_official(township_a):
    return UserFactory(username="township_a", role=Role.TOWNSHIP, township=township_a, county=township_a.county)


@pytest.fixture
def township_b_official(township_b):
    return UserFactory(username="township_b", role=Role.TOWNSHIP, township=township_b, county=township_b.county)


@pytest.fixture
def department_user(department):
    return UserFactory(username="dept", role=Role.DEPARTMENT, department=department, county=department.county)


@pytest.fixture
def inspector(county):
    return UserFactory(username="inspector", role=Role.INSPECTOR, county=county)


@pytest.fixture
def api_client_user(county):
    return UserFactory(username="api_client", role=Role.API_CLIENT, county=county)


@pytest.fixture
def system_admin(county):
    return UserFactory(username="sysadmin", role=Role.SYSTEM_ADMIN, county=county, last_name="系统管理员")


@pytest.fixture
def security_admin(county):
    return UserFactory(username="secadmin", role=Role.SECURITY_ADMIN, county=county, last_name="安全管理员")


@pytest.fixture
def audit_admin(county):
    return UserFactory(username="auditadmin", role=Role.AUDIT_ADMIN, county=county, last_name="审计管理员")


@pytest.fixture
def duty_personas(system_admin, security_admin, audit_admin):
    return {"system_admin": system_admin, "security_admin": security_admin, "audit_admin": audit_admin}


@pytest.fixture
def personas(
    county_admin, county_viewer, township_a_official, township_b_official, department_user, inspector, api_client_user
):
    return {
        "county_admin": county_admin,
        "county_viewer": county_viewer,
        "township_a": township_a_official,
        "township_b": township_b_official,
        "department": department_user,
        "inspector": inspector,
        "api_client": api_client_user,
    }


@pytest.fixture
def login(client):
    """Sign a persona in on the test client and return the client."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"pilot_admin: database={engine} redis={'yes' if settings.REDIS_URL else 'no'}"


def pytest_sessionstart(session):
    """CI must test against the real servers; a missing DATABASE_URL or REDIS_URL there is an
    error, not a quiet fall-back to SQLite."""
    import os

    from django.conf import settings

    if os.environ.get("PILOT_ADMIN_REQUIRE_SERVICES") == "1":
        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine or not settings.REDIS_URL:
            raise pytest.UsageError("PILOT_ADMIN_REQUIRE_SERVICES=1 but PostgreSQL or Redis is not configured")


def pytest_addoption(parser):
    parser.addoption(
        "--skips-json",
        metavar="PATH",
        help="write each skipped test and its reason to PATH (JSON); .ci/embedded_skips.py compares them with README",
    )


_skipped: dict[str, str] = {}


def pytest_runtest_logreport(report):
    """Under xdist the controller sees every worker's reports here too."""
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple | list) else str(report.longrepr)
        _skipped[report.nodeid] = reason.removeprefix("Skipped: ")


def pytest_sessionfinish(session):
    import json
    from pathlib import Path

    path = session.config.getoption("--skips-json")
    if path and not hasattr(session.config, "workerinput"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(dict(sorted(_skipped.items())), ensure_ascii=False, indent=1) + "\n")


# `make test` spreads the suite by file (--dist loadfile). The demo package's modules share one
# `load_demo` (tests/demo/conftest.py, scope "package"), which a worker keeps only while it runs
# the package's files back to back: here they are one unit of work, on one worker, in order.
# A plugin registered only when xdist is loaded (`make test-faults` runs with -p no:xdist, where
# pytest would refuse the hook as unknown).
DEMO_PACKAGE = "tests/demo/"


class _DemoPackageScheduler:
    @staticmethod
    def pytest_xdist_make_scheduler(config, log):
        if config.getoption("dist") != "loadfile":
            return None
        from xdist.scheduler import LoadFileScheduling

        class DemoPackageTogether(LoadFileScheduling):
            def _split_scope(self, nodeid: str) -> str:
                if nodeid.startswith(DEMO_PACKAGE):
                    return DEMO_PACKAGE
                return super()._split_scope(nodeid)

        return DemoPackageTogether(config, log)


def pytest_configure(config):
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_DemoPackageScheduler(), "demo-package-scheduler")
