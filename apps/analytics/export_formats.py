"""Streaming export formats: rows of a model's columns as CSV or JSON text.

Not tied to HTTP: the export API streams these, and a command or task could write
the same bytes to a file. Each writer takes (model, columns, rows) and yields small
strings; `in_chunks` gathers them into blocks worth a write.
"""

import csv
import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence

from django.db import models
from django.utils import timezone

# Text gathered before each write: one write per row would cost more than the row.
CHUNK_CHARS = 64 * 1024
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
JSON_CONTENT_TYPE = "application/json"


# What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection"): a
# session_id such as =HYPERLINK(...) would run when the export is opened.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe_text(text: str) -> str:
    """Return text for a CSV cell that no spreadsheet runs as a formula.

    OWASP's remedy: a leading single quote, which spreadsheets show as text. Only
    for text cells: whether a cell is text is the caller's to say from its column,
    since -3.5 in a number column is a number, not a formula.
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _safe_or_none(value):
    return None if value is None else csv_safe_text(value)


class _Echo:
    """Hand back what csv.writer writes, so each row becomes a string to yield."""

    def write(self, value: str) -> str:
        return value


def _csv_text(field: models.Field, zone) -> Callable | None:
    """Return how a column of `field` becomes CSV text, or None to write it as is."""
    if isinstance(field, models.JSONField):
        # Always: a JSON null is "null", unlike SQL NULL, which is an empty cell.
        return lambda value: json.dumps(
            value, separators=(",", ":"), ensure_ascii=False
        )
    if isinstance(field, models.DateTimeField):
        return lambda value: (
            None if value is None else value.astimezone(zone).isoformat()
        )
    if isinstance(field, models.BooleanField):
        return lambda value: None if value is None else str(value).lower()
    if isinstance(field, models.CharField | models.TextField):
        return _safe_or_none
    # Numbers, ids and UUIDs: written as they are, never mistaken for formulas.
    # JSON text starts with {, [, ", a letter or a digit, or "-" for a negative
    # number, which a spreadsheet reads as that number.
    return None


def csv_lines(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]
) -> Iterator[str]:
    """Yield the header, then a CSV line per row: ISO times, JSON text, "" for None.

    Text columns go through csv_safe_text; the JSON writer keeps raw values.
    """
    writer = csv.writer(_Echo(), lineterminator="\n")
    yield writer.writerow(columns)
    zone = timezone.get_current_timezone()
    # Converting only the columns that need it: exports run to millions of cells.
    converters = [
        (i, convert)
        for i, name in enumerate(columns)
        if (convert := _csv_text(model._meta.get_field(name), zone))
    ]
    for row in rows:
        cells = list(row)
        for i, convert in converters:
            cells[i] = convert(cells[i])
        yield writer.writerow(cells)  # csv writes None as an empty cell


def json_lines(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]
) -> Iterator[str]:
    """Yield a JSON array of one object per row, element by element."""
    zone = timezone.get_current_timezone()

    def plain(value):
        if isinstance(value, dt.datetime):
            return value.astimezone(zone).isoformat()
        if isinstance(value, uuid.UUID):
            return str(value)
        raise TypeError(f"cannot export {type(value).__name__} as JSON")

    yield "["
    separator = ""
    for row in rows:
        record = dict(zip(columns, row, strict=True))
        yield separator + json.dumps(record, default=plain, separators=(",", ":"))
        separator = ",\n"
    yield "]\n"


# Each format's content type and writer.
WRITERS = {
    "csv": (CSV_CONTENT_TYPE, csv_lines),
    "json": (JSON_CONTENT_TYPE, json_lines),
}


def in_chunks(pieces: Iterable[str]) -> Iterator[bytes]:
    """Join small strings into UTF-8 blocks of about CHUNK_CHARS characters."""
    buffer, size = [], 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK_CHARS:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode()
