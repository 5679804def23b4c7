"""Personal data encrypted at rest: the keys, the model fields, and the keyed hash that finds a row.

An ID number, a disability and the free-text notes of a person in care are stored as Fernet
tokens (AES-128-CBC with HMAC-SHA256, from `cryptography`), so a copied table, a database dump
outside our encrypted backups or a reader of the raw database sees no personal data. The keys
come from the environment, never from the database:

- `PERSONAL_DATA_KEY`: a comma-separated list of Fernet keys. The first encrypts; every one
  decrypts, so a key is rotated by putting a new one first, running
  `manage.py rotate_personal_data_keys` (re-encrypts every row under the first key) and only then
  dropping the old one.
- `PERSONAL_DATA_INDEX_KEY`: the HMAC-SHA256 key of the blind index. A token differs each time
  the same number is encrypted, so equality (uniqueness, lookup by ID number, an import matching
  its rows to the register) goes through `blind_index`, a keyed hash stored beside the token. It is
  a different key from the encryption keys: whoever holds only the index key learns nothing
  from the tokens, and whoever holds only a token cannot test guesses against the index.

With DEBUG on and no keys set (a developer's machine, `make run`) both are derived from
SECRET_KEY, so the demo works out of the box; with DEBUG off a missing key is a start-up error
(the system check below, and `keys()` itself).
"""

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core import checks
from django.core.exceptions import EmptyResultSet, FieldError, ImproperlyConfigured
from django.db import models
from django.db.models.lookups import Exact, In, IsNull

from pilot_admin.env import key_bytes

KEY_SETTING = "PERSONAL_DATA_KEY"
ROTATE_COMMAND = "rotate_personal_data_keys"
INDEX_KEY_SETTING = "PERSONAL_DATA_INDEX_KEY"


class PersonalDataKeyError(ImproperlyConfigured):
    pass


def generate_key() -> str:
    """A new key for PERSONAL_DATA_KEY or PERSONAL_DATA_INDEX_KEY (32 random bytes, URL-safe base64)."""
    return Fernet.generate_key().decode()


def _derived_from_secret_key(secret_key: str, purpose: bytes) -> bytes:
    return base64.urlsafe_b64encode(
        HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"pilot_admin personal data " + purpose).derive(
            secret_key.encode()
        )
    )


def _parse(value: str, *, setting: str, position: int) -> bytes:
    """The key as Fernet takes it (its Base64 text), once it is known to be a 32-byte key."""
    try:
        key_bytes(value, setting=setting, position=position, generate=f"manage.py {ROTATE_COMMAND} --generate-key")
    except ValueError as error:
        raise PersonalDataKeyError(str(error)) from error
    return value.strip().encode()


def _configured() -> tuple[MultiFernet, list[Fernet], bytes]:
    # Settings are read on every call (cheap: a tuple for the cache's key) so that a test
    # overriding them is obeyed; parsing and the Fernet objects happen once per configuration.
    return _configuration(
        tuple(settings.PERSONAL_DATA_KEYS), settings.PERSONAL_DATA_INDEX_KEY, settings.DEBUG, settings.SECRET_KEY
    )


@functools.cache
def _configuration(values: tuple[str, ...], index: str, debug: bool, secret_key: str):
    keys = [_parse(v, setting=KEY_SETTING, position=i) for i, v in enumerate(values, start=1)]
    if not keys or not index:
        if not debug:
            raise PersonalDataKeyError(missing_keys_message())
        keys = keys or [_derived_from_secret_key(secret_key, b"encryption")]
        index = index or _derived_from_secret_key(secret_key, b"index").decode()
    index_bytes = base64.urlsafe_b64decode(_parse(index, setting=INDEX_KEY_SETTING, position=1))
    fernets = [Fernet(key) for key in keys]
    return MultiFernet(fernets), fernets, index_bytes


def missing_keys_message() -> str:
    return (
        f"生产环境（DJANGO_DEBUG=0）必须设置 {KEY_SETTING} 和 {INDEX_KEY_SETTING}："
        "特困人员的身份证号码、残疾情况和备注加密存储，没有密钥无法读写。"
        "用 manage.py rotate_personal_data_keys --generate-key 生成，和备份密钥分开保管。"
    )


def cipher() -> MultiFernet:
    return _configured()[0]


def index_key() -> bytes:
    return _configured()[2]


def encrypt(text: str) -> str:
    return cipher().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        # Never the token in the message: it reaches logs.
        raise PersonalDataKeyError(
            f"加密数据无法解密：{KEY_SETTING} 中没有加密它的密钥（轮换密钥时旧密钥须保留到 "
            "rotate_personal_data_keys 运行完毕）。"
        ) from exc


def rotate(token: str) -> str:
    """The same plaintext under the first key (MultiFernet.rotate keeps the original timestamp)."""
    return cipher().rotate(token.encode()).decode()


def encrypted_under_primary(token: str) -> bool:
    try:
        _configured()[1][0].decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def blind_index(value: str, *, purpose: str) -> str:
    """The keyed hash of `value` for equality lookups; `purpose` keeps two columns' hashes apart."""
    return hmac.new(index_key(), f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()


def fingerprint(value) -> str:
    """What the audit trail keeps of an encrypted field: enough to see that a value changed,
    nothing that gives it back."""
    if value is None or value == "":
        return ""
    return "（加密内容）" + blind_index(str(value), purpose="audit")[:8]


def _index_field(field) -> "BlindIndexField":
    for candidate in field.model._meta.concrete_fields:
        if isinstance(candidate, BlindIndexField) and candidate.source == field.name:
            return candidate
    raise FieldError(f"{field.name} 为加密字段，不能按内容查询（没有盲索引）。")


class EncryptedExact(Exact):
    """`field=""` and `field=None` compare the stored value, which is not encrypted when empty (a
    CHECK constraint, a filter for blank rows). Any other value is looked up through the field's
    blind index, so `filter(id_number=…)` finds the row; a field without one refuses to be asked."""

    def get_prep_lookup(self):
        return self.rhs if self.rhs not in ("", None) else super().get_prep_lookup()

    def as_sql(self, compiler, connection):
        if self.rhs in ("", None):
            return super().as_sql(compiler, connection)
        index = _index_field(self.lhs.target)
        sql, params = compiler.compile(index.get_col(self.lhs.alias))
        return f"{sql} = %s", [*params, index.hash_of(self.rhs)]


class EncryptedIn(In):
    def get_prep_lookup(self):
        return list(self.rhs)

    def as_sql(self, compiler, connection):
        index = _index_field(self.lhs.target)
        hashes = sorted({index.hash_of(value) for value in self.rhs if value not in ("", None)})
        if not hashes:
            raise EmptyResultSet
        sql, params = compiler.compile(index.get_col(self.lhs.alias))
        return f"{sql} IN ({', '.join(['%s'] * len(hashes))})", [*params, *hashes]


class EncryptedMixin:
    """Stores the field's value as a Fernet token in a text column; empty and NULL stay as they
    are, so "not filled in" remains a plain fact the constraints and the forms can see."""

    encrypted = True

    def db_type(self, connection):
        return "text"

    def db_check(self, connection):
        return None

    def cast_db_type(self, connection):
        return "text"

    def get_internal_type(self):
        return "TextField"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return self.empty_python_value(value)
        return self.to_python(decrypt(value))

    def empty_python_value(self, value):
        return value

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def get_lookup(self, lookup_name):
        # Nothing that compares a token's content in SQL (contains, ordering, ranges) can work.
        return {"exact": EncryptedExact, "in": EncryptedIn, "isnull": IsNull}.get(lookup_name)

    def get_transform(self, lookup_name):
        return None


class EncryptedCharField(EncryptedMixin, models.CharField):
    def check(self, **kwargs):
        # max_length bounds the plaintext (forms, validation); the column is text.
        return [e for e in super().check(**kwargs) if e.id != "fields.E120"]


class EncryptedTextField(EncryptedMixin, models.TextField):
    pass


class EncryptedSmallIntegerField(EncryptedMixin, models.PositiveSmallIntegerField):
    @functools.cached_property
    def validators(self):
        # IntegerField adds the column type's range, looked up by the internal type, which is
        # text here (the schema editor keys its CHECK constraints on it); the model's own
        # validators bound the value.
        return [*self.default_validators, *self._validators]

    def empty_python_value(self, value):
        return None

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        return None if value is None else encrypt(str(value))


class BlindIndexField(models.CharField):
    """The keyed hash of another field of the same row, kept in step on every save (bulk_create
    included: Django calls `pre_save` there too). The source field's normaliser is applied by
    whoever sets it; the index hashes what is stored."""

    def __init__(self, *args, source: str, **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if kwargs.get("max_length") == 64:
            del kwargs["max_length"]
        if kwargs.get("editable") is False:
            del kwargs["editable"]
        return name, path, args, kwargs

    def hash_of(self, value) -> str | None:
        if value is None or value == "":
            return None
        return blind_index(str(value), purpose=self.source)

    def pre_save(self, model_instance, add):
        value = self.hash_of(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


@checks.register(checks.Tags.security)
def personal_data_keys_check(app_configs=None, **kwargs):
    """Production without its keys is refused by every manage.py command and by `check --deploy`."""
    try:
        _configured()
    except PersonalDataKeyError as exc:
        return [checks.Error(str(exc), id="pilot_admin.E101")]
    if not settings.DEBUG and settings.PERSONAL_DATA_INDEX_KEY in settings.PERSONAL_DATA_KEYS:
        return [
            checks.Error(
                f"{INDEX_KEY_SETTING} 不能与 {KEY_SETTING} 中的加密密钥相同。",
                id="pilot_admin.E102",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def backup_key_check(app_configs=None, **kwargs):
    if settings.DEBUG or settings.BACKUP_ENCRYPTION_KEYS:
        return []
    return [
        checks.Warning(
            "未设置 BACKUP_ENCRYPTION_KEY：manage.py backup 在生产环境将拒绝运行，备份无法进行。",
            hint="用 manage.py backup --generate-key 生成，与数据库分开保管。",
            id="pilot_admin.W103",
        )
    ]
