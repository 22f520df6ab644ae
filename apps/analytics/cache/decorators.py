"""cache_analytics_result: cache a function's result per distinct arguments and user."""

import functools
import inspect

from apps.analytics.cache.analytics import AnalyticsCache

# Parameters that say whose data a function computes: their value scopes the entry,
# so invalidating that user forgets it and no other user can ever read it.
USER_PARAMETERS = ("user", "user_id")


def cache_analytics_result(cache_type: str, timeout: int | None = None):
    """Cache the decorated function's result in AnalyticsCache under `cache_type`.

    Calls that mean the same thing share an entry (`f(1)` and `f(1, days=7)` when 7
    is the default); any other difference in arguments, including the user, gives
    another entry. Exceptions propagate and are not cached. `.uncached` calls the
    function directly.
    """

    def decorate(function):
        signature = inspect.signature(function)
        name = f"{function.__module__}.{function.__qualname__}"

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            arguments = dict(bound.arguments)
            user = next(
                (arguments[p] for p in USER_PARAMETERS if arguments.get(p) is not None),
                None,
            )
            value, _ = AnalyticsCache.get_or_compute(
                cache_type,
                {"function": name, "arguments": arguments},
                lambda: function(*args, **kwargs),
                user=user,
                timeout=timeout,
            )
            return value

        wrapper.uncached = function
        return wrapper

    return decorate
