"""ID numbers, disability and notes encrypted at rest, with a keyed hash for ID-number lookups.

Existing rows are rewritten in place with the keys of the running configuration (raw SQL: the
ORM of the new fields would try to decrypt the plain values still in the columns). The audit
trail's earlier entries held these fields' values in clear; they are replaced by the same
fingerprint new entries carry, with the append-only trigger lifted for that one statement.
That rewrite cannot be undone: reversing the migration decrypts the register, not the old log.
"""

import django.core.validators
from django.db import migrations

import pilot_admin.crypto

ENCRYPTED = ("id_number", "disability_type", "disability_grade", "notes")
BATCH = 1000


def _rows(cursor, columns):
    cursor.execute(f"SELECT id, {', '.join(columns)} FROM guardianship_person ORDER BY id")  # nosec B608 - fixed names
    while batch := cursor.fetchmany(BATCH):
        yield from batch


def _rewrite(schema_editor, convert):
    from pilot_admin import crypto

    connection = schema_editor.connection
    columns = [*ENCRYPTED, "id_number_index"]
    with connection.cursor() as reader:
        rows = list(_rows(reader, ENCRYPTED))
    assignments = ", ".join(f"{c} = %s" for c in columns)
    with connection.cursor() as writer:
        for start in range(0, len(rows), BATCH):
            writer.executemany(
                f"UPDATE guardianship_person SET {assignments} WHERE id = %s",  # nosec B608 - fixed names
                [convert(crypto, row) for row in rows[start : start + BATCH]],
            )
    if connection.vendor == "postgresql":
        # The rows' deferred foreign-key checks run now: PostgreSQL refuses the ALTER TABLE that
        # follows in this transaction while any are pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _value(value):
    return value if value is None or value == "" else str(value)


def encrypt_rows(apps, schema_editor):
    def convert(crypto, row):
        pk, number, *rest = row
        values = [_value(v) for v in (number, *rest)]
        encrypted = [v if v in (None, "") else crypto.encrypt(v) for v in values]
        return [*encrypted, crypto.blind_index(number, purpose="id_number"), pk]

    _rewrite(schema_editor, convert)


def decrypt_rows(apps, schema_editor):
    def convert(crypto, row):
        pk, *values = row
        return [*(v if v in (None, "") else crypto.decrypt(v) for v in values), None, pk]

    _rewrite(schema_editor, convert)


def fingerprint_audit_entries(apps, schema_editor):
    from pilot_admin import crypto

    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEntry = apps.get_model("pilot_admin", "AuditEntry")
    content_type = ContentType.objects.filter(app_label="guardianship", model="person").first()
    if content_type is None:
        return
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute("ALTER TABLE pilot_admin_auditentry DISABLE TRIGGER pilot_admin_auditentry_append_only")
    entries = AuditEntry.objects.filter(content_type=content_type).only("changes")
    for entry in entries.iterator(chunk_size=BATCH):
        changes = entry.changes or {}
        touched = False
        for name in ENCRYPTED:
            change = changes.get(name)
            if not isinstance(change, dict):
                continue
            for side in ("old", "new"):
                if change.get(side) not in (None, ""):
                    change[side] = crypto.fingerprint(change[side])
                    touched = True
        if touched:
            # update(), not save(): the model refuses to rewrite an entry, rightly, everywhere else.
            AuditEntry.objects.filter(pk=entry.pk).update(changes=changes)
    if postgres:
        schema_editor.execute("ALTER TABLE pilot_admin_auditentry ENABLE TRIGGER pilot_admin_auditentry_append_only")


class Migration(migrations.Migration):
    dependencies = [
        ("guardianship", "0002_version"),
        ("pilot_admin", "0010_carry_over_tokens_and_password_dates"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="id_number_index",
            field=pilot_admin.crypto.BlindIndexField(
                null=True, source="id_number", unique=True, verbose_name="公民身份号码索引"
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="id_number",
            field=pilot_admin.crypto.EncryptedCharField(max_length=18, verbose_name="公民身份号码"),
        ),
        migrations.AlterField(
            model_name="person",
            name="disability_type",
            field=pilot_admin.crypto.EncryptedCharField(
                blank=True,
                choices=[
                    ("intellectual", "智力残疾"),
                    ("mental", "精神残疾"),
                    ("physical", "肢体残疾"),
                    ("visual", "视力残疾"),
                    ("hearing", "听力残疾"),
                    ("speech", "言语残疾"),
                    ("multiple", "多重残疾"),
                ],
                max_length=20,
                verbose_name="残疾类别",
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="disability_grade",
            field=pilot_admin.crypto.EncryptedSmallIntegerField(
                blank=True,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(4),
                ],
                verbose_name="残疾等级",
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="notes",
            field=pilot_admin.crypto.EncryptedTextField(blank=True, verbose_name="备注"),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows),
        migrations.AlterField(
            model_name="person",
            name="id_number_index",
            field=pilot_admin.crypto.BlindIndexField(source="id_number", unique=True, verbose_name="公民身份号码索引"),
        ),
        migrations.RunPython(fingerprint_audit_entries, migrations.RunPython.noop),
    ]
