"""The API's JSON parser: bounded nesting, finite numbers, DRF's errors otherwise."""

import io
import json

import pytest
from rest_framework.exceptions import ParseError

from apps.core.parsers import MAX_JSON_DEPTH, JSONParser, nests_deeper_than


def parse(text: str, encoding: str = "utf-8"):
    return JSONParser().parse(
        io.BytesIO(text.encode(encoding)), parser_context={"encoding": encoding}
    )


def arrays(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("data", "depth"),
    [
        (1, 0),
        ("text", 0),
        ([], 1),
        ({"a": 1, "b": "x"}, 1),
        ({"a": [1, {"b": []}]}, 4),
        ([[], [[[]]], []], 4),
        ({"wide": [[1]] * 1000, "deep": {"a": {"b": {"c": {}}}}}, 5),
    ],
)
def test_nests_deeper_than_counts_levels_of_arrays_and_objects(data, depth):
    assert not nests_deeper_than(data, depth)
    assert depth == 0 or nests_deeper_than(data, depth - 1)


def test_the_deepest_body_allowed_parses():
    assert parse(arrays(MAX_JSON_DEPTH)) == json.loads(arrays(MAX_JSON_DEPTH))


@pytest.mark.parametrize(
    # One level too many parses in Python but is refused; thousands of levels
    # exhaust the recursion limit inside json and are refused the same way.
    "depth",
    [MAX_JSON_DEPTH + 1, 200, 5000],
)
def test_a_body_nested_deeper_is_a_parse_error(depth):
    with pytest.raises(ParseError) as refused:
        parse(arrays(depth))
    assert str(refused.value.detail) == (
        f"JSON parse error - the body nests more than {MAX_JSON_DEPTH} levels."
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1e999}', "JSON parse error - 1e999 is too large for a number."),
        ('{"a": -1E400}', "JSON parse error - -1E400 is too large for a number."),
        (
            '{"a": NaN}',
            "JSON parse error - Out of range float values are not JSON compliant: "
            "'NaN'.",
        ),
        ("{oops", "JSON parse error - Expecting property name enclosed in double "),
    ],
)
def test_numbers_no_column_stores_and_bad_json_are_parse_errors(text, message):
    with pytest.raises(ParseError) as refused:
        parse(text)
    assert str(refused.value.detail).startswith(message)


def test_large_finite_numbers_and_other_charsets_parse():
    assert parse('{"a": -3.5e300, "b": 12345678901234567890}') == {
        "a": -3.5e300,
        "b": 12345678901234567890,
    }
    assert parse('{"name": "Zoë"}', encoding="latin-1") == {"name": "Zoë"}
