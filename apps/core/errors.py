"""Errors services raise for bad input; the API's handler turns them into 400s."""

import re

# Text PostgreSQL cannot store (NUL) or UTF-8 cannot encode (lone surrogates).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class InvalidInput(Exception):
    """Input rejected as a whole, with messages per field (nested where needed).

    Unlike Django's ValidationError it can name items of a list by index, e.g.
    `{"events": {"3": {"duration_seconds": ["must not be negative."]}}}`.
    """

    def __init__(self, fields: dict, message: str = "Invalid input."):
        super().__init__(message)
        self.fields = fields
        self.message = message
