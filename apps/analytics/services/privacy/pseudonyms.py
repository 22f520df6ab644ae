"""Pseudonyms: the stable, keyed name that stands for a user id.

`pseudonym(user_id)` is `anon-` and the first 16 hex digits of an HMAC-SHA256 of the
id, keyed by `settings.ANALYTICS_PSEUDONYM_KEY` (or, when that is empty, by
`SECRET_KEY`), the key first derived with the salt PSEUDONYM_SALT (django's
`salted_hmac`). It is stable across runs and processes and cannot be reversed
without the key. Changing the key (or SECRET_KEY, when no own key is set) changes
every pseudonym: set a key of its own in production.
"""

from collections.abc import Iterable, Iterator, Sequence

from django.conf import settings
from django.utils.crypto import salted_hmac

# Documented: changing it changes every pseudonym, like changing the key.
PSEUDONYM_SALT = "apps.analytics.privacy.pseudonym"
PSEUDONYM_PREFIX = "anon-"
PSEUDONYM_HEX_CHARS = 16  # 64 bits: no collision short of billions of users


def pseudonym(user_id) -> str:
    """Return the stable pseudonym of a user id (`anon-` and 16 hex digits)."""
    secret = settings.ANALYTICS_PSEUDONYM_KEY or settings.SECRET_KEY
    digest = salted_hmac(
        PSEUDONYM_SALT, str(int(user_id)), secret=secret, algorithm="sha256"
    ).hexdigest()
    return PSEUDONYM_PREFIX + digest[:PSEUDONYM_HEX_CHARS]


def pseudonymise_rows(
    columns: Sequence[str], rows: Iterable[tuple], field: str = "user_id"
) -> Iterator[tuple]:
    """Yield rows with `field` replaced by its pseudonym (None stays None)."""
    if field not in columns:
        yield from rows
        return
    index = columns.index(field)
    names: dict = {}  # one HMAC per user, not per row: exports run to millions
    for row in rows:
        value = row[index]
        if value is not None:
            if value not in names:
                names[value] = pseudonym(value)
            row = (*row[:index], names[value], *row[index + 1 :])
        yield row
