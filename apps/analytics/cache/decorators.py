"""cache_analytics_result: cache a result per distinct arguments and scope."""

import functools
import inspect

from apps.analytics.cache.analytics import AnalyticsCache

# A parameter carrying a scope: a value with `user_ids` (None for the whole
# organisation) and a stable `key`, such as apps.accounts.scope.Scope. Duck-typed so
# the cache imports nothing from accounts.
SCOPE_PARAMETER = "scope"
# Parameters that say whose data a function computes when it takes no scope.
USER_PARAMETERS = ("user", "user_id")
_MISSING = object()


def _users_of(arguments: dict) -> tuple | None:
    """Return whose data the call computes: a scope's or a user's; None is everyone."""
    scope = arguments.get(SCOPE_PARAMETER)
    user_ids = getattr(scope, "user_ids", _MISSING)
    if user_ids is not _MISSING:
        # Key on the scope's stable identity, not on the object's fields.
        arguments[SCOPE_PARAMETER] = scope.key
        return None if user_ids is None else tuple(user_ids)
    for name in USER_PARAMETERS:
        if arguments.get(name) is not None:
            return (arguments[name],)
    return None


def cache_analytics_result(cache_type: str, timeout: int | None = None):
    """Cache the decorated function's result in AnalyticsCache under `cache_type`.

    Calls that mean the same thing share an entry (`f(1)` and `f(1, days=7)` when 7
    is the default); any other difference in arguments gives another entry. The entry
    holds the data of a `scope` argument's users (the whole organisation when its
    `user_ids` is None), else of a `user`/`user_id` argument, else of the whole
    organisation, and is forgotten when their source data changes. Exceptions
    propagate and are not cached. `.uncached` calls the function directly;
    `.with_status` answers (value, whether it came from the cache).
    """

    def decorate(function):
        signature = inspect.signature(function)
        name = f"{function.__module__}.{function.__qualname__}"

        def with_status(*args, **kwargs):
            """Call through the cache; return (value, whether it was cached)."""
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            arguments = dict(bound.arguments)
            users = _users_of(arguments)
            return AnalyticsCache.get_or_compute(
                cache_type,
                {"function": name, "arguments": arguments},
                lambda: function(*args, **kwargs),
                timeout=timeout,
                users=users,
            )

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            return with_status(*args, **kwargs)[0]

        wrapper.uncached = function
        wrapper.with_status = with_status
        return wrapper

    return decorate
