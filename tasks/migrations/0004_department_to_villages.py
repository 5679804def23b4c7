"""Department moves to villages: the task side's foreign keys point there and the model leaves
this app's state. No table changes (see villages 0007)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0003_department_in_villages'),
        ('pilot_admin', '0007_department_in_villages'),
        ('tasks', '0003_version'),
        ('villages', '0007_department'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='progressreport',
                    name='department',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reports', to='villages.department', verbose_name='报送单位'),
                ),
                migrations.AlterField(
                    model_name='reportunlock',
                    name='department',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='unlocks', to='villages.department', verbose_name='报送单位'),
                ),
                migrations.AlterField(
                    model_name='taskassignment',
                    name='department',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assignments', to='villages.department', verbose_name='单位'),
                ),
                migrations.AlterField(
                    model_name='task',
                    name='departments',
                    field=models.ManyToManyField(related_name='tasks', through='tasks.TaskAssignment', to='villages.department', verbose_name='责任单位'),
                ),
                migrations.DeleteModel(
                    name='Department',
                ),
            ],
            # The foreign keys already point at tasks_department, the moved model's table.
            database_operations=[],
        ),
    ]
