"""Model validation for a batch of rows (imports) without a query per row.

`full_clean` asks the database once per foreign key (does it exist?), once per unique field and
two to three times per CHECK constraint (`Q.check` runs a SELECT inside a savepoint). An import
looks the related rows and the taken unique values up once for the whole file, so per row it
needs only the rest: the fields, `clean()`, and the CHECK constraints, which are judged here in
Python from the model's own `Meta.constraints` (so their rule and message stay in one place).
"""

import operator

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q

_COMPARISONS = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
_COMPILED: dict = {}


def clean_in_memory(instance: models.Model, *, exclude=()) -> None:
    """`full_clean(exclude=…, validate_unique=False)` with the CHECK constraints judged in
    Python: no query, except for a condition Python cannot judge (an expression, another
    lookup, a NULL compared), which is asked of the database as full_clean would. Foreign keys
    (leave them in `exclude`) and uniqueness are the caller's to check for the whole batch."""
    exclude = set(exclude)
    errors: dict = {}
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        instance.clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    # As in full_clean: constraints only on fields that passed validation.
    exclude.update(name for name in errors if name != NON_FIELD_ERRORS)
    for model_class, constraints in instance.get_constraints():
        for constraint in constraints:
            if not isinstance(constraint, models.CheckConstraint):
                continue
            compiled = _compiled(model_class, constraint)
            held = None
            if compiled is not None:
                names, test = compiled
                if not names.isdisjoint(exclude):
                    continue
                held = test(instance)
            if held is None:
                try:
                    constraint.validate(model_class, instance, exclude=exclude)
                except ValidationError as error:
                    errors = error.update_error_dict(errors)
            elif not held:
                # The error CheckConstraint.validate raises.
                error = ValidationError(constraint.get_violation_error_message(), code=constraint.violation_error_code)
                errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _compiled(model: type[models.Model], constraint: models.CheckConstraint):
    """The constraint's condition as (fields it names, test of an instance), built once per
    constraint; None when the condition is more than plain lookups on the model's own columns."""
    key = (model, constraint.name)
    if key not in _COMPILED:
        _COMPILED[key] = _compile(constraint.condition, model._meta)
    return _COMPILED[key]


def _compile(condition, meta):
    if isinstance(condition, Q):
        if condition.connector not in (Q.AND, Q.OR):
            return None
        parts = [_compile(child, meta) for child in condition.children]
        if any(part is None for part in parts):
            return None
        names = frozenset().union(*(names for names, _ in parts))
        tests = [test for _, test in parts]
        combine, negated = (all if condition.connector == Q.AND else any), condition.negated

        def test_q(instance):
            results = [test(instance) for test in tests]
            if None in results:
                return None
            return combine(results) != negated

        return names, test_q
    if not isinstance(condition, tuple):
        return None
    lookup, expected = condition
    name, _, operation = lookup.partition("__")
    try:
        field = meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if field.is_relation or hasattr(expected, "resolve_expression"):
        return None
    attname = field.attname
    if operation == "isnull":
        wanted = bool(expected)
        return frozenset({field.name}), lambda instance: (getattr(instance, attname) is None) == wanted
    if operation == "in":
        values = [field.to_python(value) for value in expected]
        if None in values:
            return None
        compare = values.__contains__
    elif (operation or "exact") in _COMPARISONS and expected is not None:
        operator_, value = _COMPARISONS[operation or "exact"], field.to_python(expected)

        def compare(actual):
            return operator_(actual, value)
    else:
        return None

    def test_lookup(instance):
        actual = getattr(instance, attname)
        # NULL compared is SQL's unknown: left to the database.
        return None if actual is None else compare(actual)

    return frozenset({field.name}), test_lookup
