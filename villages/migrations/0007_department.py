"""Department (the county's reporting units) moves from tasks to villages, the app that owns the
county's organisation. Only Django's state moves: the table keeps its name (tasks_department) and
its rows, and the content type is renamed so audit entries and permissions keep pointing at it."""

import django.db.models.deletion
from django.db import migrations, models


def _move_content_type(apps, old_label, new_label):
    ContentType = apps.get_model("contenttypes", "ContentType")
    # A database migrated before the move has the tasks content type; one made afresh may not.
    if not ContentType.objects.filter(app_label=new_label, model="department").exists():
        ContentType.objects.filter(app_label=old_label, model="department").update(app_label=new_label)


def content_type_to_villages(apps, schema_editor):
    _move_content_type(apps, "tasks", "villages")


def content_type_to_tasks(apps, schema_editor):
    _move_content_type(apps, "villages", "tasks")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('tasks', '0003_version'),
        ('villages', '0006_ascii_region_codes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Department',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                        ('key', models.SlugField(max_length=60, verbose_name='标识')),
                        ('name', models.CharField(help_text='按县里行文的写法，如“县委组织部”。', max_length=100, verbose_name='单位名称')),
                        ('short_name', models.CharField(blank=True, max_length=30, verbose_name='简称')),
                        ('kind', models.CharField(choices=[('party', '党委机关'), ('government', '政府部门'), ('mass_organization', '群团组织'), ('township', '乡镇人民政府'), ('other', '其他单位')], max_length=20, verbose_name='单位类别')),
                        ('in_leading_group', models.BooleanField(default=False, verbose_name='领导小组成员单位')),
                        ('county', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='departments', to='villages.county', verbose_name='所属县')),
                        ('township', models.OneToOneField(blank=True, help_text='仅乡镇人民政府填写。', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='government', to='villages.township', verbose_name='乡镇')),
                    ],
                    options={
                        'verbose_name': '部门',
                        'verbose_name_plural': '部门',
                        'db_table': 'tasks_department',
                        'ordering': ['county', 'kind', 'name'],
                        'constraints': [models.UniqueConstraint(fields=('county', 'name'), name='department_unique_name_in_county', violation_error_message='同一县内单位名称不能重复。'), models.UniqueConstraint(fields=('county', 'key'), name='department_unique_key_in_county', violation_error_message='同一县内单位标识不能重复。'), models.CheckConstraint(condition=models.Q(models.Q(('kind', 'township'), ('township__isnull', False)), models.Q(models.Q(('kind', 'township'), _negated=True), ('township__isnull', True)), _connector='OR'), name='department_township_iff_township_kind', violation_error_message='乡镇人民政府须关联乡镇，其他单位不能关联乡镇。')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_villages, content_type_to_tasks),
    ]
