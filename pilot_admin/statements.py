"""Statements compiled once per process: a values() queryset whose SQL depends only on a known
key (a list page's user, scope, day and query string; a report's program, year and date) is built
and compiled through the ORM at the key's first use, then only run. Building and compiling a
filtered, annotated statement cost a page more CPU than the database took to run it. What is kept
is the SQL, never rows: every use reads the data afresh."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, ValuesIterable

from pilot_admin.memo import ProcessMemo

T = TypeVar("T")


@dataclass(frozen=True)
class Statement:
    """A queryset compiled: its SQL and parameters, its columns' names and the converters Django
    applies to them (JSON columns decoded, SQLite's dates and booleans). A values() queryset's
    rows come back as dicts; a plain model queryset's (no select_related, annotations or
    deferred fields) as model instances."""

    sql: str | None  # None: the queryset can match nothing (Django's EmptyResultSet)
    params: tuple
    names: tuple[str, ...]
    converters: tuple[tuple[int, tuple[Callable, ...], object], ...]
    using: str
    model: type | None = None  # rows as instances of this model (names: its fields' attnames)

    @classmethod
    def compile(cls, queryset: QuerySet) -> "Statement":
        query = queryset.query
        model = None
        if queryset._iterable_class is ValuesIterable:
            # The names ValuesIterable gives the row's columns.
            names = (
                tuple(query.selected)
                if query.selected
                else (*query.extra_select, *query.values_select, *query.annotation_select)
            )
        else:
            plain = (
                not (query.select_related or query.annotations or query.extra or query.deferred_loading[0])
                and not queryset._prefetch_related_lookups
            )
            if not (queryset._iterable_class is ModelIterable and plain):
                raise TypeError("Statement.compile takes a values() or a plain model queryset.")
            model = queryset.model
            names = tuple(field.attname for field in model._meta.concrete_fields)
        compiler = query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return cls(None, (), names, (), queryset.db, model)
        fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        if model is not None and tuple(field.target.attname for field in fields) != names:
            raise TypeError("Statement.compile: the model's columns are not selected in order.")
        converters = tuple(
            (index, tuple(functions), expression)
            for index, (functions, expression) in compiler.get_converters(fields).items()
        )
        return cls(sql, tuple(params), names, converters, queryset.db, model)

    def rows(self) -> list:
        """The rows as the queryset gives them: dicts of the named columns, or model instances."""
        if self.sql is None:
            return []
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            rows = cursor.fetchall()
        names, model = self.names, self.model
        result = []
        for row in rows:
            if self.converters:
                row = list(row)
                for index, functions, expression in self.converters:
                    value = row[index]
                    for convert in functions:
                        value = convert(value, expression, connection)
                    row[index] = value
            result.append(
                dict(zip(names, row, strict=True)) if model is None else model.from_db(self.using, names, row)
            )
        return result


# Compiled statements by key, kept by the process (as the header's counts statement:
# home/navigation.py).
_STATEMENTS: ProcessMemo = ProcessMemo(4096)


def kept(key: tuple, compile_: Callable[[], T]) -> T:
    """`compile_()` (SQL, or what a statement is made of) at the first use of `key`, kept by the
    process after it. `key` must name everything the result depends on."""
    return _STATEMENTS.get(key, compile_)


def kept_statement(key: tuple, build: Callable[[], QuerySet]) -> Statement:
    """The statement of `build()` (a values() or plain model queryset), compiled at the first use of `key`:
    building and compiling a filtered list's statement through the ORM cost a list page more CPU
    than running it. `key` must name everything the statement depends on."""
    return kept(key, lambda: Statement.compile(build()))
