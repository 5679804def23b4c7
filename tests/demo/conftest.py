"""One demo county for the whole package: `load_demo` runs twice per test worker, not twice per
module (each run takes tens of seconds, and the package's modules all read the same county).
Each test's own transaction nests inside this one, which is rolled back at the end."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction

from tests.demo.helpers import DEMO_APPS, DemoLoad, row_counts


def _load() -> str:
    out = StringIO()
    call_command("load_demo", "--allow-production", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="package")
def demo_county(django_db_setup, django_db_blocker):
    """`load_demo` twice, with a demo password changed in between (the second run resets it) and
    the row counts of every model of the project's apps after each run."""
    from pilot_admin.models import User

    models = [model for model in apps.get_models() if model._meta.app_label in DEMO_APPS]
    with django_db_blocker.unblock(), transaction.atomic():
        first_output = _load()
        first = row_counts(models)
        admin = User.objects.get(username="county_admin")
        admin.set_password("changed-by-the-user-1")
        admin.save()
        second_output = _load()
        yield DemoLoad(first_output, second_output, first, row_counts(models))
        transaction.set_rollback(True)
