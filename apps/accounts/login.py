"""Password logins, throttled by username and by address, and audited.

Both password entry points (the API's token endpoint and the admin's login form)
go through `log_in`. Failures are counted in the cache per username and per client
address (REMOTE_ADDR); once a count reaches its limit, every attempt for that
username or from that address is refused for LOGIN_LOCKOUT_MINUTES, even with the
right password, and the password is not even checked. A success clears the
username's count (not the address's: one valid account must not reset a
brute force from the same address).

The cache is Redis in production. If it cannot be reached the counters fail open:
logins keep working unthrottled and the failure is logged, never a 500.
"""

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache

from apps.accounts.models import User
from apps.core.audit import record
from apps.core.models import AuditAction

logger = logging.getLogger(__name__)

KEY_VERSION = 1
# The audit keeps the attempted username, cut to the model's length.
MAX_AUDITED_USERNAME = 150


@dataclass(frozen=True)
class LoginResult:
    """The user who logged in, or None; `retry_after` (s) when locked out;
    `unaudited` when the right password was refused because the login could not
    be recorded (an audited action is never served unrecorded)."""

    user: User | None
    retry_after: int | None = None
    unaudited: bool = False


def client_ip(request) -> str:
    """Return the address failures are counted against."""
    return request.META.get("REMOTE_ADDR") or "unknown"


class FailureCounters:
    """The failed-login counts of one username and one address, in the cache."""

    def __init__(self, *, username: str, ip: str):
        self.subjects = [
            ("username", username, settings.LOGIN_FAILURES_PER_USERNAME),
            ("ip", ip, settings.LOGIN_FAILURES_PER_IP),
        ]
        self.cache_down = False

    @staticmethod
    def _key(kind: str, subject: str, what: str) -> str:
        # Hashed: usernames may be long or hold characters a cache key cannot.
        digest = hashlib.sha256(subject.encode("utf-8", "surrogatepass")).hexdigest()
        return f"accounts:login-{what}:v{KEY_VERSION}:{kind}:{digest}"

    def _safely(self, operation, *args, default=None):
        """Run a cache operation; on a cache failure log it and fail open."""
        if self.cache_down:
            return default
        try:
            return operation(*args)
        except Exception:
            # Fail open: refusing every login while Redis is down would lock out
            # everyone; logins go unthrottled until it is back.
            self.cache_down = True
            logger.warning(
                "Login throttling skipped: the cache is unavailable", exc_info=True
            )
            return default

    def retry_after(self) -> int | None:
        """Return the seconds until a lockout ends, or None when not locked out."""
        keys = [
            self._key(kind, subject, "lockout") for kind, subject, _ in self.subjects
        ]
        until = self._safely(cache.get_many, keys, default={})
        if not until:
            return None
        seconds = math.ceil(max(until.values()) - time.time())
        return seconds if seconds > 0 else None

    def add_failure(self) -> None:
        """Count one failure for the username and the address; lock out at a limit."""
        window = settings.LOGIN_LOCKOUT_MINUTES * 60
        for kind, subject, limit in self.subjects:
            count = self._safely(self._increment, kind, subject, window)
            if count is not None and count >= limit:
                lockout = self._key(kind, subject, "lockout")
                self._safely(cache.set, lockout, time.time() + window, window)

    def _increment(self, kind: str, subject: str, window: int) -> int:
        key = self._key(kind, subject, "failures")
        # The count's window starts at the first failure and lasts `window`.
        cache.add(key, 0, timeout=window)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
            return 1

    def clear_username(self) -> None:
        """Forget the username's failures (after a successful login)."""
        kind, subject, _ = self.subjects[0]
        self._safely(cache.delete, self._key(kind, subject, "failures"))


class _RequestAs:
    """The request, seen as made by the user whose login it is auditing."""

    def __init__(self, request, user):
        self._request = request
        self.user = user

    def __getattr__(self, name):
        return getattr(self._request, name)


def _audit_failure(request, username: str, status_code: int, reason: str) -> None:
    # The attempted username, never the password.
    parameters = {"username": username[:MAX_AUDITED_USERNAME], "reason": reason}
    record(request, AuditAction.LOGIN_FAILED, status_code, parameters=parameters)


def log_in(request, *, username: str, password: str) -> LoginResult:
    """Check a username and password unless locked out; count and audit the try.

    The audit's status code is the API's answer: 200, 400 for wrong credentials
    (or an inactive user), 429 when locked out.
    """
    counters = FailureCounters(username=username, ip=client_ip(request))
    retry_after = counters.retry_after()
    if retry_after is not None:
        _audit_failure(request, username, 429, "locked_out")
        return LoginResult(user=None, retry_after=retry_after)
    user = authenticate(request=request, username=username, password=password)
    if user is None:
        counters.add_failure()
        _audit_failure(request, username, 400, "invalid_credentials")
        return LoginResult(user=None)
    counters.clear_username()
    if not record(_RequestAs(request, user), AuditAction.LOGIN, 200):
        return LoginResult(user=None, unaudited=True)
    return LoginResult(user=user)
