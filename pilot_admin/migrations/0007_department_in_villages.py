"""Department now lives in villages; a user's department points there (state only)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('pilot_admin', '0006_audit_export_append_only'),
        ('villages', '0007_department'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='user',
                    name='department',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='users', to='villages.department', verbose_name='所属部门'),
                ),
            ],
            # The foreign keys already point at tasks_department, the moved model's table.
            database_operations=[],
        ),
    ]
