"""The API's JSON parser: DRF's, refusing bodies that would break what reads them.

Python's json parses arrays and objects recursively: a body of a few kilobytes of
brackets exhausts the interpreter's recursion limit (RecursionError, a 500), and
data nested a few hundred levels still breaks every recursive reader after it
(validation, json.dumps, the database). A number beyond a float's range parses as
infinity, which no JSON column stores. Both are refused here with a 400.

It subclasses DRF's JSONParser on purpose: DRF reads a JSONParser's body through
`request.body`, where Django enforces settings.DATA_UPLOAD_MAX_MEMORY_SIZE.
"""

import json
import math

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

# Levels of arrays and objects a body may nest. A tracking batch takes four (the
# body, "events", an event, its metadata), and metadata a few more.
MAX_JSON_DEPTH = 32


def nests_deeper_than(data, limit: int) -> bool:
    """Tell whether arrays and objects in `data` nest more than `limit` levels."""
    # Level by level, not recursively (the point is not to recurse), and with list
    # comprehensions: 8 MiB of empty arrays take 0.4 s, less than parsing them.
    level = [data] if isinstance(data, dict | list) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        below = []
        for node in level:
            children = node.values() if isinstance(node, dict) else node
            below += [child for child in children if isinstance(child, dict | list)]
        level = below
    return False


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large for a number")
    return value


class JSONParser(parsers.JSONParser):
    """Parse a JSON body no deeper than MAX_JSON_DEPTH, with finite numbers only."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        too_deep = (
            f"JSON parse error - the body nests more than {MAX_JSON_DEPTH} levels."
        )
        try:
            data = json.loads(
                stream.read().decode(encoding),
                parse_constant=strict_constant if self.strict else None,
                parse_float=_finite_float,
            )
        except RecursionError:
            raise ParseError(too_deep) from None
        except ValueError as exc:  # bad JSON, bad encoding, a non-finite number
            raise ParseError(f"JSON parse error - {exc}.") from None
        if nests_deeper_than(data, MAX_JSON_DEPTH):
            raise ParseError(too_deep)
        return data
