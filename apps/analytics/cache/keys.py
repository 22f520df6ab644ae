"""Cache keys from a versioned, normalised, hashed payload (STYLE.md).

`analytics:<kind>:v<N>:g<generations>:<sha1 of normalised params>`: a response-shape
change bumps the version instead of flushing Redis, and no two different argument
sets share a key. Only the kinds of argument callers pass are accepted; anything else
raises TypeError rather than being keyed by a repr that may collide or differ between
processes.
"""

import datetime as dt
import enum
import hashlib
import json
import uuid

from django.db import models

PREFIX = "analytics"


def _normalise(value):
    """Turn an argument into JSON-able data that differs whenever the value does."""
    if isinstance(value, enum.Enum):  # a TextChoices member keys as its value
        value = value.value
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, dt.datetime):
        moment = value.astimezone(dt.UTC) if value.tzinfo else value
        return {"datetime": moment.isoformat(), "aware": value.tzinfo is not None}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"uuid": str(value)}
    if isinstance(value, models.Model):
        return {"model": value._meta.label_lower, "pk": _normalise(value.pk)}
    if isinstance(value, dict):
        pairs = ([_normalise(k), _normalise(v)] for k, v in value.items())
        return {"dict": sorted(pairs, key=_canonical)}
    if isinstance(value, list | tuple):
        return {type(value).__name__: [_normalise(item) for item in value]}
    if isinstance(value, set | frozenset):
        return {"set": sorted((_normalise(item) for item in value), key=_canonical)}
    kind = f"{type(value).__module__}.{type(value).__qualname__}"
    raise TypeError(f"cannot build an analytics cache key from a {kind}")


def _canonical(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def digest(params) -> str:
    """Return the sha1 of the normalised params."""
    text = _canonical(_normalise(params))
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def make_key(kind: str, version: int, params, *generations: int) -> str:
    """Return the cache key of `params` for a kind, schema version and generations."""
    generation = ".".join(str(g) for g in generations)
    return f"{PREFIX}:{kind}:v{version}:g{generation}:{digest(params)}"
