"""The demo tests' shared fixture: the demo county loaded twice in one rolled-back transaction."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction


def row_counts(models) -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in models}


def demo_loaded_twice(models):
    """A module-scoped fixture: `load_demo` run twice, with the row counts of `models` after the
    first and the second run (equal when the loader is idempotent). Rolled back at the end."""

    @pytest.fixture(scope="module")
    def demo(django_db_setup, django_db_blocker):
        with django_db_blocker.unblock(), transaction.atomic():
            call_command("load_demo", "--allow-production", stdout=StringIO())
            first = row_counts(models)
            call_command("load_demo", "--allow-production", stdout=StringIO())
            yield {"first": first, "second": row_counts(models)}
            transaction.set_rollback(True)

    return demo
