"""Option types the analytics commands share (argparse `type=` functions)."""

import argparse
import datetime as dt
import re

from apps.accounts.models import User
from apps.analytics.limits import day_bounds_error
from apps.analytics.periods import is_future_day, parse_day_or_instant


def past_date(raw: str) -> dt.date | dt.datetime:
    """Read --date: YYYY-MM-DD or an ISO datetime (local time), not in the future.

    Nor outside the dates any input may name (limits.day_bounds_error), checked
    first: the local day of a time near year 1 or 9999 cannot be computed.
    """
    try:
        value = parse_day_or_instant(raw)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if error := day_bounds_error(value, raw):
        raise argparse.ArgumentTypeError(error)
    if is_future_day(value):
        raise argparse.ArgumentTypeError(
            f"{raw} is in the future: nothing has happened there yet."
        )
    return value


def day_count(maximum: int):
    """Return an option type reading a whole number of days from 1 to `maximum`."""

    def parse(raw: str) -> int:
        if not re.fullmatch(r"[+-]?[0-9]+", raw):
            raise argparse.ArgumentTypeError(f"must be a whole number, not {raw!r}.")
        days = int(raw)
        if not 1 <= days <= maximum:
            raise argparse.ArgumentTypeError(
                f"must be between 1 and {maximum}, not {days}."
            )
        return days

    return parse


def existing_user(raw: str) -> User:
    """Read --user-id as the user it names."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a user id")
    user = User.objects.filter(pk=int(raw)).first()
    if user is None:
        raise argparse.ArgumentTypeError(f"no user has id {raw}")
    return user
