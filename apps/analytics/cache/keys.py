"""Cache keys from a versioned, normalised, hashed payload (STYLE.md).

`analytics:<kind>:v<N>:<sha1 of normalised params>`: a response-shape change bumps
the version instead of flushing Redis, and no two different argument sets (or users)
share a key whatever the arguments' types.
"""

import dataclasses
import datetime as dt
import decimal
import enum
import hashlib
import json
import uuid

from django.db import models

PREFIX = "analytics"


def _normalise(value):
    """Turn any argument into JSON-able data that differs whenever the value does."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, enum.Enum):
        return _normalise(value.value)
    if isinstance(value, dt.datetime):
        moment = value.astimezone(dt.UTC) if value.tzinfo else value
        return {"datetime": moment.isoformat(), "aware": value.tzinfo is not None}
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return {type(value).__name__: str(value)}
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return {type(value).__name__: str(value)}
    if isinstance(value, models.Model):
        return {"model": value._meta.label_lower, "pk": _normalise(value.pk)}
    if isinstance(value, dict):
        pairs = ([_normalise(k), _normalise(v)] for k, v in value.items())
        return {"dict": sorted(pairs, key=_canonical)}
    if isinstance(value, list | tuple):
        return {type(value).__name__: [_normalise(item) for item in value]}
    if isinstance(value, set | frozenset):
        return {"set": sorted((_normalise(item) for item in value), key=_canonical)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = _normalise(dataclasses.asdict(value))
        return {"dataclass": type(value).__qualname__, "fields": fields}
    # Anything else: its type and repr, so distinct objects do not collide silently.
    kind = f"{type(value).__module__}.{type(value).__qualname__}"
    return {"object": kind, "repr": repr(value)}


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
