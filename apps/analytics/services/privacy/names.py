"""How a user is named in stored text, and how those names are replaced."""

import re
from dataclasses import dataclass

# Metadata keys (at any depth, compared lower-cased with "-" and " " read as "_")
# whose values are personal whoever they name: erasure removes them.
PERSONAL_METADATA_KEYS = frozenset(
    {
        "name",
        "first_name",
        "last_name",
        "full_name",
        "display_name",
        "username",
        "user_name",
        "email",
        "email_address",
        "phone",
        "phone_number",
        "mobile",
        "address",
        "ip",
        "ip_address",
        "remote_addr",
        "x_forwarded_for",
        "user_agent",
        "location",
        "geo",
        "latitude",
        "longitude",
    }
)
# Report values under these keys are vocabulary (kinds, formats, keys, dates, ids),
# never a person's name: left alone, a username that happens to be a word of that
# vocabulary ("user", "count") cannot break a report's structure.
REPORT_VOCABULARY_KEYS = frozenset(
    {
        "schema_version",
        "report_type",
        "kind",
        "key",
        "format",
        "formats",
        "row_formats",
        "metric_type",
        "metrics",
        "granularity",
        "time_zone",
        "start",
        "end",
        "date",
        "user_ids",
        "scope_key",
    }
)


@dataclass(frozen=True)
class Identifiers:
    """How a user is named in stored text, and the pseudonym that replaces it."""

    patterns: tuple[re.Pattern, ...]
    replacement: str

    # A name matches where it stands alone: not inside a longer word, username or
    # address ("ann" stays in "annual", "jo-ann" and "ann.lee", not in "by ann.").
    START = r"(?<!\w)(?<!\w[@.+-])"
    END = r"(?!\w)(?![@.+-]\w)"

    @classmethod
    def in_shared_rows(cls, user, replacement: str) -> "Identifiers":
        """Match the user's email and full name (any case) and exact username,
        where each stands alone: rows others share (reports) hold other people's
        names, which must not lose a part ("ann" inside "jo-ann")."""
        found = [(re.escape(user.email), re.IGNORECASE)] if user.email else []
        if full_name := user.get_full_name():
            found.append((words(full_name), re.IGNORECASE))
        if user.username:
            found.append((re.escape(user.username), 0))
        return cls._compiled(found, replacement, cls.START, cls.END)

    @classmethod
    def in_own_rows(cls, user, replacement: str) -> "Identifiers":
        """Match the user's email anywhere and full name as words (any case): in
        the user's own rows an address glued into an id ("sess-<email>-1") is
        still theirs."""
        found = [(re.escape(user.email), re.IGNORECASE)] if user.email else []
        if full_name := user.get_full_name():
            found.append((r"(?<!\w)" + words(full_name) + r"(?!\w)", re.IGNORECASE))
        return cls._compiled(found, replacement, "", "")

    @classmethod
    def _compiled(cls, found, replacement, start, end) -> "Identifiers":
        # Longest first, so the email goes before the username it contains; a
        # pseudonym already in place is not a name to replace (erasing twice).
        found = sorted(found, key=lambda item: -len(item[0]))
        patterns = tuple(
            re.compile(start + text + end, flags)
            for text, flags in found
            if text != re.escape(replacement)
        )
        return cls(patterns, replacement)

    def replace(self, text: str) -> str:
        for pattern in self.patterns:
            text = pattern.sub(lambda _: self.replacement, text)
        return text

    def scrub(self, value, *, skip_keys=frozenset(), drop_keys=frozenset()):
        """Return a JSON value with names replaced in its strings.

        Dict keys are kept as they are; values under `skip_keys` are kept, those
        under `drop_keys` removed.
        """
        if isinstance(value, str):
            return self.replace(value)
        if isinstance(value, list):
            return [
                self.scrub(v, skip_keys=skip_keys, drop_keys=drop_keys) for v in value
            ]
        if isinstance(value, dict):
            return {
                key: item
                if key in skip_keys
                else self.scrub(item, skip_keys=skip_keys, drop_keys=drop_keys)
                for key, item in value.items()
                if normal_key(key) not in drop_keys
            }
        return value


def words(name: str) -> str:
    """Match a name's words with any whitespace between them."""
    return r"\s+".join(map(re.escape, name.split()))


def normal_key(key) -> str:
    return str(key).casefold().replace("-", "_").replace(" ", "_")
