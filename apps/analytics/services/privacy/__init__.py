"""Personal data: everything stored about a user (GDPR access), their erasure, and
the pseudonym that stands for them.

- `pseudonyms`: `pseudonym(user_id)`, a keyed HMAC of the id, and
  `pseudonymise_rows` for anonymised exports;
- `archive`: `export_user_data` / `stream_user_data`, the user's JSON archive;
- `erasure`: `erase_user`, their names replaced by their pseudonym;
- `names`: how a user is named in stored text; `trail`: the audit row of each.

Both actions write one audit row (`privacy_export`, `privacy_erase`); an erasure
writes it in its own transaction, so one that cannot be audited does not happen.
"""

from apps.analytics.services.privacy.archive import (
    ARCHIVE_SCHEMA_VERSION,
    export_user_data,
    stream_user_data,
)
from apps.analytics.services.privacy.erasure import (
    ERASURE_TABLES,
    ErasureRefused,
    erase_user,
)
from apps.analytics.services.privacy.names import PERSONAL_METADATA_KEYS
from apps.analytics.services.privacy.pseudonyms import (
    PSEUDONYM_SALT,
    pseudonym,
    pseudonymise_rows,
)
from apps.analytics.services.privacy.trail import Origin

__all__ = [
    "ARCHIVE_SCHEMA_VERSION",
    "ERASURE_TABLES",
    "PERSONAL_METADATA_KEYS",
    "PSEUDONYM_SALT",
    "ErasureRefused",
    "Origin",
    "erase_user",
    "export_user_data",
    "pseudonym",
    "pseudonymise_rows",
    "stream_user_data",
]
