"""Django's SQLite backend, told the bound-parameter limit of the SQLite library it runs on.

Django 5.2 assumes SQLite's old compile-time limit of 999 parameters per statement, so on the
embedded default `bulk_create` split an import into one INSERT per 999 // columns rows (41
persons, 83 audit entries): its query count grew with the file, where on PostgreSQL it is one
INSERT per BATCH_SIZE rows. SQLite 3.32+ allows 32,766 by default (Debian builds more), and the
connection reports its own limit. Capped at that default, so a statement's text (a few bytes
per parameter) stays far below SQLite's 1,000,000-byte SQLITE_MAX_SQL_LENGTH."""

import sqlite3

from django.db.backends.sqlite3 import base, features
from django.utils.functional import cached_property

# SQLite's default SQLITE_MAX_VARIABLE_NUMBER since 3.32.0.
PARAMS_CAP = 32_766


class DatabaseFeatures(features.DatabaseFeatures):
    @cached_property
    def max_query_params(self):
        self.connection.ensure_connection()
        return min(self.connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER), PARAMS_CAP)


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
