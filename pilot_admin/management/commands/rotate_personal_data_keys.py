"""`manage.py rotate_personal_data_keys`: every encrypted field re-encrypted under the first key of
PERSONAL_DATA_KEY and every blind index recomputed with PERSONAL_DATA_INDEX_KEY.

Rotating the encryption key: put the new key first (`PERSONAL_DATA_KEY=<new>,<old>`), restart,
run this command, then drop the old key. Until the command has run the old key must stay: rows it
encrypted are read with it. Changing the index key: set the new one and run this command before
anyone looks a person up by ID number (lookups and the uniqueness check use the index). The whole
rewrite is one transaction, so it finishes or changes nothing.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from pilot_admin import crypto

BATCH = 1000


def encrypted_models():
    """(model, encrypted field names, blind-index fields) for every model that has any."""
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if getattr(f, "encrypted", False)]
        if fields:
            indexes = [f for f in model._meta.concrete_fields if isinstance(f, crypto.BlindIndexField)]
            found.append((model, [f.attname for f in fields], indexes))
    return found


def stored_token_counts(model, columns: list[str]) -> tuple[int, int]:
    """(tokens under an older key, tokens no configured key decrypts), read raw, not through the
    fields: after a restore or a rotation, says whether the configured keys read everything."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
    stale = unreadable = 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {names} FROM {table}")  # nosec B608 - quoted names of our own models
        while rows := cursor.fetchmany(BATCH):
            for token in (t for row in rows for t in row if t not in (None, "")):
                if crypto.encrypted_under_primary(token):
                    continue
                try:
                    crypto.decrypt(token)
                    stale += 1
                except crypto.PersonalDataKeyError:
                    unreadable += 1
    return stale, unreadable


class Command(BaseCommand):
    help = "按 PERSONAL_DATA_KEY 的第一个密钥重新加密全部个人敏感字段，并按 PERSONAL_DATA_INDEX_KEY 重算盲索引。"

    def add_arguments(self, parser):
        parser.add_argument("--generate-key", action="store_true", help="只打印一个新密钥，不改数据。")
        parser.add_argument("--check", action="store_true", help="只统计尚未用第一个密钥加密的值，不改数据。")

    def handle(self, *args, generate_key=False, check=False, **options):
        if generate_key:
            self.stdout.write(crypto.generate_key())
            return
        if check:
            unreadable_total = 0
            for model, columns, _ in encrypted_models():
                stale, unreadable = stored_token_counts(model, columns)
                unreadable_total += unreadable
                self.stdout.write(
                    f"{model._meta.verbose_name}：{stale} 个值未用第一个密钥加密，{unreadable} 个值现有密钥都无法解密"
                )
            if unreadable_total:
                raise CommandError("有数据无法解密：PERSONAL_DATA_KEY 缺少加密它们时所用的密钥。")
            return
        with transaction.atomic():
            for model, columns, indexes in encrypted_models():
                rewritten = 0
                queryset = model._base_manager.order_by("pk").only("pk", *columns)
                batch = []
                for obj in queryset.iterator(chunk_size=BATCH):
                    for index in indexes:
                        setattr(obj, index.attname, index.hash_of(getattr(obj, index.source)))
                    batch.append(obj)
                    if len(batch) == BATCH:
                        rewritten += self._write(model, batch, columns, indexes)
                        batch = []
                rewritten += self._write(model, batch, columns, indexes)
                self.stdout.write(f"{model._meta.verbose_name}：重新加密 {rewritten} 条")

    def _write(self, model, batch, columns, indexes) -> int:
        # bulk_update writes through the fields, so each value is encrypted anew under the first
        # key; it leaves updated_at and the version alone: the data did not change.
        if batch:
            model._base_manager.bulk_update(batch, [*columns, *(i.attname for i in indexes)])
        return len(batch)
