"""Department now lives in villages; the responsible unit points there (state only)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0002_version'),
        ('villages', '0007_department'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='rectification',
                    name='responsible_unit',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='rectifications', to='villages.department', verbose_name='责任单位'),
                ),
            ],
            # The foreign keys already point at tasks_department, the moved model's table.
            database_operations=[],
        ),
    ]
