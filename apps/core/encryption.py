"""Encryption at rest: model fields whose column holds a Fernet token, not the value.

Values are encrypted with authenticated encryption (Fernet: AES-128-CBC and
HMAC-SHA256) under the keys of `settings.ANALYTICS_ENCRYPTION_KEYS`: the first key
encrypts, every key decrypts, so a new key is put first and the old ones stay until
`rotate_encryption_keys` has re-encrypted every row (`rotate_model`).

A ciphertext differs each time the same value is stored, so the database cannot
compare or search it: an encrypted field accepts no lookup but `isnull`, and a
query on its content raises FieldError instead of silently matching nothing. A
value that must be found or kept unique gets a `BlindIndexField` beside it, an
HMAC of the value under `settings.ANALYTICS_HASH_KEY`; `field=value` on the
encrypted field is then answered by that column.

Plumbing: this module imports no domain app.
"""

import functools
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError
from django.db import models, transaction
from django.db.models import ExpressionWrapper, F, lookups
from django.db.models.expressions import Col


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


@functools.lru_cache(maxsize=8)
def _fernets(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    """Return (every key, the first key), built once per key list."""
    return MultiFernet([Fernet(key) for key in keys]), Fernet(keys[0])


def _keys() -> tuple[MultiFernet, Fernet]:
    # Read at call time: a test or a rotation may change the keys.
    return _fernets(tuple(settings.ANALYTICS_ENCRYPTION_KEYS))


def encrypt_text(text: str) -> str:
    """Return the Fernet token of `text` under the first configured key."""
    return _keys()[0].encrypt(text.encode()).decode()


def decrypt_text(token: str, *, what: str = "a value") -> str:
    """Return the text of a token; raise DecryptionError naming `what` if no key
    opens it (a key missing from the settings, or a corrupt value)."""
    try:
        return _keys()[0].decrypt(token.encode()).decode()
    except (InvalidToken, UnicodeError):
        raise DecryptionError(
            f"Cannot decrypt {what}: no key in ANALYTICS_ENCRYPTION_KEYS opens it "
            "(was a key removed before rotate_encryption_keys ran?)."
        ) from None


def is_current(token: str) -> bool:
    """Tell whether a token is encrypted under the first (current) key."""
    try:
        _keys()[1].decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def blind_index(value: str) -> str:
    """Return the keyed hash (HMAC-SHA256, hex) of a value, ignoring case and
    surrounding spaces: equal addresses give equal hashes, and without the key
    the hash tells nothing about the value."""
    normalised = value.strip().lower()
    key = settings.ANALYTICS_HASH_KEY.encode()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


class EncryptedField:
    """What the encrypted fields share: decryption naming the field, no lookups."""

    def _decrypt(self, token: str) -> str:
        return decrypt_text(token, what=f"{self.model._meta.label}.{self.name}")

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None  # Django raises FieldError: "Unsupported lookup ..."

    def get_transform(self, lookup_name):
        return None  # no key paths into a ciphertext


class EncryptedTextField(EncryptedField, models.TextField):
    """Text stored as a Fernet token; None stays NULL.

    With a BlindIndexField of this field on the model, `field=value` compares the
    hashes, so it matches regardless of case and surrounding spaces.
    """

    description = "Encrypted text"

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        return None if value is None else encrypt_text(value)

    def from_db_value(self, value, expression, connection):
        return None if value is None else self._decrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name == "exact" and self.blind_index_field() is not None:
            return BlindIndexExact
        return super().get_lookup(lookup_name)

    def blind_index_field(self):
        """Return the model's BlindIndexField of this field, if there is one."""
        return next(
            (
                field
                for field in self.model._meta.concrete_fields
                if isinstance(field, BlindIndexField) and field.source == self.name
            ),
            None,
        )


class EncryptedJSONField(EncryptedField, models.JSONField):
    """JSON stored as the Fernet token of its text; None stays NULL.

    A JSONField to everything above the database (forms, DRF serializers, the
    export's JSON cells), a text column below it.
    """

    description = "Encrypted JSON"

    def get_internal_type(self):
        return "TextField"  # the column holds a token, not JSON

    def _check_supported(self, databases):
        return []  # any database stores text

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        return encrypt_text(json.dumps(value, cls=self.encoder))

    def get_db_prep_save(self, value, connection):
        if value is None:
            return None
        if hasattr(value, "as_sql"):
            return value
        return self.get_db_prep_value(value, connection)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return json.loads(self._decrypt(value), cls=self.decoder)


class BlindIndexField(models.CharField):
    """The blind index of another field of the model (see `blind_index`), set on
    every save and bulk_create from that field's value, for uniqueness and lookups.

    An `update()` of the source field bypasses it: save the row instead.
    """

    description = "Keyed hash of another field"

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

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.source)
        digest = None if value is None else blind_index(value)
        setattr(model_instance, self.attname, digest)
        return digest


class BlindIndexExact(lookups.Exact):
    """`encrypted=value`, answered as `blind index column = blind_index(value)`."""

    def __init__(self, lhs, rhs):
        if rhs is None:  # `field=None` is turned into `isnull` by the query
            super().__init__(lhs, rhs)
            return
        field = lhs.output_field
        if not isinstance(lhs, Col) or not isinstance(rhs, str):
            raise FieldError(
                f"{field.model._meta.label}.{field.name} is encrypted: it can only "
                "be compared with a plain string."
            )
        index = field.blind_index_field()
        super().__init__(index.get_col(lhs.alias), blind_index(rhs))


def encrypted_fields(model) -> list[models.Field]:
    """Return the encrypted fields of a model."""
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]


@dataclass
class RotationResult:
    """What re-encrypting one model's rows did."""

    rows: int = 0
    reencrypted: int = 0
    rehashed: int = 0


def rotate_model(
    model,
    *,
    batch_size: int = 1000,
    progress: Callable[[RotationResult], None] | None = None,
) -> RotationResult:
    """Re-encrypt under the first key every value of `model`'s encrypted fields
    that is not already, and recompute its blind indexes where the hash key changed.

    Batches of `batch_size` rows, each locked and written in its own transaction;
    rows already current are not written, so a second run writes nothing.
    `progress` is called after each batch with the totals so far.
    Raises DecryptionError (naming the field) if a value opens with no key.
    """
    fields = encrypted_fields(model)
    indexes = [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
    # The raw tokens, beside the decrypted values that the fields' converters give.
    tokens = {
        f"token_{f.attname}": ExpressionWrapper(F(f.attname), models.TextField())
        for f in fields
    }
    values = [f.attname for f in fields] + [ix.attname for ix in indexes]
    result, last_pk = RotationResult(), None
    while True:
        with transaction.atomic():
            rows = model._base_manager.order_by("pk").select_for_update()
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            batch = list(
                rows.annotate(**tokens).values("pk", *tokens, *values)[:batch_size]
            )
            if not batch:
                return result
            stale = []
            for row in batch:
                reencrypt = any(
                    row[name] is not None and not is_current(row[name])
                    for name in tokens
                )
                hashes = {ix.attname: _index_of(row, ix) for ix in indexes}
                rehash = any(row[name] != digest for name, digest in hashes.items())
                if reencrypt or rehash:
                    # Set from the decrypted values: bulk_update encrypts them anew.
                    instance = model(pk=row["pk"])
                    for field in fields:
                        setattr(instance, field.attname, row[field.attname])
                    for name, digest in hashes.items():
                        setattr(instance, name, digest)
                    stale.append(instance)
                result.reencrypted += reencrypt
                result.rehashed += rehash
            if stale:
                model._base_manager.bulk_update(stale, values)
        result.rows += len(batch)
        last_pk = batch[-1]["pk"]
        if progress is not None:
            progress(result)


def _index_of(row: dict, index: BlindIndexField) -> str | None:
    """Return what a row's blind index should hold (its source is encrypted)."""
    value = row[index.model._meta.get_field(index.source).attname]
    return None if value is None else blind_index(value)
