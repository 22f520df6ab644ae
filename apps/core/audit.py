"""The audit trail: exports, report generation and views, denials, reads of another
user's data, logins and privacy actions.

An audited action cannot be skipped: what is logged is sanitised first (NUL and
lone surrogates, which PostgreSQL or UTF-8 refuse, and oversize values), and when
the row still cannot be written the action is refused with 503 instead of being
served unrecorded. Denials are answered either way: refusing them would help no one.
"""

import hashlib
import json
import logging

from django.core.cache import cache
from django.http import JsonResponse

from apps.core.api import error_body
from apps.core.errors import UNSTORABLE
from apps.core.models import AuditAction, AuditLog

logger = logging.getLogger(__name__)

MAX_PARAMETERS_BYTES = 2048
MAX_OBJECT_IDS = 100
MAX_TEXT = 256  # characters kept of any one logged string
RETRY_AFTER_SECONDS = 30
# A live page polls the same read every few seconds: the first read of a window
# says who saw what; repeating it 720 times an hour says nothing more. The same
# viewer, path, parameters and users within this many seconds is one audit row.
# (The dashboard's figures are cached as long: the reads are the same data.)
REPEATED_READ_SECONDS = 300


def clean(value):
    """Return JSON data safe to store: bad characters replaced, long text cut."""
    if isinstance(value, str):
        return UNSTORABLE.sub("\ufffd", value[:MAX_TEXT])
    if isinstance(value, dict):
        return {clean(str(k)): clean(v) for k, v in list(value.items())[:50]}
    if isinstance(value, list | tuple):
        return [clean(item) for item in value[:50]]
    if value is None or isinstance(value, bool | int | float):
        return value
    return clean(str(value))


# Recorded as the object ids of a read that covered every user.
EVERYONE = "*"


def _parameters(request) -> dict:
    """Return the call's query parameters and, when the view parsed one, its body."""
    params = {key: request.query_params.get(key) for key in request.query_params}
    # The body as the view already parsed it: `request.data` here would parse an
    # unparsed (perhaps malformed) body again, after the answer was decided.
    data = getattr(request, "_full_data", None)
    if isinstance(data, dict):
        # Event payloads are not access parameters; keep the trail small.
        params.update(
            {k: v for k, v in data.items() if k not in ("events", "metadata")}
        )
    params = clean(params)
    text = json.dumps(params)
    return params if len(text) <= MAX_PARAMETERS_BYTES else {"truncated": text[:500]}


def action_for(view, request, response) -> tuple[str | None, list]:
    """Decide whether (and as what) a call is audited."""
    status = response.status_code
    if status in (401, 403) or (status == 404 and view.kwargs):
        return AuditAction.DENIED, list(view.kwargs.values())
    explicit = getattr(view, "audit_action", None)
    if explicit:
        return explicit, []
    if status < 300 and request.method == "GET":
        # Whose data was served comes from the request's scope, so a new response
        # field cannot escape the audit.
        served = getattr(view, "served_scope", None)
        others = None if served is None else served.other_user_ids()
        if served is not None and others is None:
            return AuditAction.READ_OTHER, [EVERYONE]
        if others:
            return AuditAction.READ_OTHER, others
    return None, []


def record(request, action, status_code, object_ids=(), parameters=None) -> bool:
    """Write one audit row for a request (API call or web page); tell if it was.

    A failure is logged loudly and answered False: the caller refuses the action.
    """
    try:
        user = request.user if request.user.is_authenticated else None
        AuditLog.objects.create(
            user=user,
            username=getattr(user, "username", ""),
            action=action,
            method=request.method,
            path=clean(request.path[:512]),
            parameters=clean(parameters or {}),
            object_ids=[clean(str(pk)) for pk in list(object_ids)[:MAX_OBJECT_IDS]],
            status_code=status_code,
            ip_address=request.META.get("REMOTE_ADDR") or None,
        )
    except Exception:
        logger.exception("Could not write the audit log for %s", request.path)
        return False
    return True


def record_api_call(view, request, response) -> bool:
    """Write the audit row for an API call if it is audited; False if that failed
    for an action that must not be served unrecorded."""
    action, object_ids = action_for(view, request, response)
    if action is None:
        return True
    parameters = _parameters(request)
    repeat_key = None
    if action == AuditAction.READ_OTHER:
        repeat_key = _repeated_read_key(request, object_ids, parameters)
        if _recorded_recently(repeat_key):
            return True
    written = record(request, action, response.status_code, object_ids, parameters)
    if written and repeat_key:
        _remember(repeat_key)
    return written or action == AuditAction.DENIED


def _repeated_read_key(request, object_ids, parameters) -> str:
    payload = json.dumps(
        [request.user.pk, request.path, sorted(map(str, object_ids)), parameters],
        sort_keys=True,
        default=str,
    )
    digest = hashlib.sha1(payload.encode(), usedforsecurity=False).hexdigest()
    return f"audit:read:v1:{digest}"


# The cache only saves rows: when it cannot answer, the read is recorded again.
def _recorded_recently(key: str) -> bool:
    try:
        return cache.get(key) is not None
    except Exception:
        logger.warning("Audit repeat check unavailable; recording the read")
        return False


def _remember(key: str) -> None:
    try:
        cache.set(key, 1, REPEATED_READ_SECONDS)
    except Exception:
        logger.warning("Audit repeat mark unavailable; the next read is recorded")


def audit_unavailable():
    """Return the 503 that refuses an action whose audit row could not be written."""
    response = JsonResponse(
        error_body(
            "audit_unavailable",
            "This action cannot be recorded in the audit log right now; try again.",
        ),
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
