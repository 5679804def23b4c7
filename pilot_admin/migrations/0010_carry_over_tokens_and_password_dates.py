"""Existing installations: DRF's tokens (authtoken_token) move to our ApiToken and keep working,
each expiring API_TOKEN_MAX_AGE_DAYS after it was created (an old one may be expired at once; the
county office renews it on the token page). Existing passwords start their age clock now, so no
one is locked into a password change the morning after the upgrade."""

import datetime

from django.conf import settings
from django.db import migrations
from django.utils import timezone

OLD_TABLE = "authtoken_token"


def _aware(value: datetime.datetime) -> datetime.datetime:
    # SQLite hands back the stored UTC time without its zone; PostgreSQL's timestamptz has it.
    return timezone.make_aware(value, datetime.UTC) if timezone.is_naive(value) else value


def carry_over(apps, schema_editor):
    User = apps.get_model("pilot_admin", "User")
    ApiToken = apps.get_model("pilot_admin", "ApiToken")
    User.objects.filter(password_changed_at__isnull=True).update(password_changed_at=timezone.now())

    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return  # a fresh database: DRF's token app never ran here
    table = connection.ops.quote_name(OLD_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id, created FROM {table}")  # nosec B608  # fixed table name
        rows = [(key, user_id, _aware(created)) for key, user_id, created in cursor.fetchall()]
    days = settings.API_TOKEN_MAX_AGE_DAYS
    ApiToken.objects.bulk_create(
        ApiToken(
            key=key,
            user_id=user_id,
            created_at=created,
            expires_at=created + datetime.timedelta(days=days) if days else None,
        )
        for key, user_id, created in rows
    )
    # The old rows are secrets nothing checks any more; the table stays (empty) because DRF's
    # migrations are recorded as applied, and a table gone from under them would break them.
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # nosec B608  # fixed table name


class Migration(migrations.Migration):
    dependencies = [("pilot_admin", "0009_account_policies_and_api_tokens")]

    operations = [migrations.RunPython(carry_over, migrations.RunPython.noop)]
