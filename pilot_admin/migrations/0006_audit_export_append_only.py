from django.db import migrations, models

# The audit table is append-only at the database too, whatever path a write takes (raw SQL, a
# shell, a future bug): UPDATE and DELETE are refused. One UPDATE is let through: deleting a
# user sets their entries' actor to NULL (on_delete=SET_NULL) and changes nothing else; the
# entry keeps actor_name. TRUNCATE (the test suite's flush) fires no row trigger.
APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION pilot_admin_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL AND OLD.actor_id IS NOT NULL
       AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '修改记录只能追加，不能修改或删除。' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS pilot_admin_auditentry_append_only ON pilot_admin_auditentry;
CREATE TRIGGER pilot_admin_auditentry_append_only
    BEFORE UPDATE OR DELETE ON pilot_admin_auditentry
    FOR EACH ROW EXECUTE FUNCTION pilot_admin_auditentry_append_only();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS pilot_admin_auditentry_append_only ON pilot_admin_auditentry;
DROP FUNCTION IF EXISTS pilot_admin_auditentry_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("pilot_admin", "0005_audit_auth_actions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="action",
            field=models.CharField(
                choices=[
                    ("create", "新增"),
                    ("update", "修改"),
                    ("delete", "删除"),
                    ("import", "导入"),
                    ("login", "登录"),
                    ("logout", "退出"),
                    ("login_fail", "登录失败"),
                    ("export", "导出"),
                ],
                max_length=10,
                verbose_name="操作",
            ),
        ),
        migrations.RunPython(_on_postgresql(APPEND_ONLY_SQL), _on_postgresql(DROP_SQL), elidable=False),
    ]
