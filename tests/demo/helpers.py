"""The demo tests' shared fixture: the package's demo county (tests/demo/conftest.py), loaded
twice in one rolled-back transaction, seen through the models a module checks."""

from dataclasses import dataclass

import pytest

# The apps whose every row `load_demo` writes; a second run must add none of them.
DEMO_APPS = ("pilot_admin", "accounts", "villages", "tasks", "assessments", "guardianship", "supervision")


@dataclass(frozen=True)
class DemoLoad:
    first_output: str
    second_output: str
    first: dict[str, int]
    second: dict[str, int]


def row_counts(models) -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in models}


def demo_loaded_twice(models):
    """A module fixture: the package's demo county, with the row counts of `models` after the
    first and the second `load_demo` (equal when the loader is idempotent)."""
    names = [model.__name__ for model in models]

    @pytest.fixture(scope="module")
    def demo(demo_county):
        return {
            "first": {name: demo_county.first[name] for name in names},
            "second": {name: demo_county.second[name] for name in names},
            "first_output": demo_county.first_output,
            "second_output": demo_county.second_output,
        }

    return demo
