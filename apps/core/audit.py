"""The audit trail of API access: exports, report generation, denials, and reads of
another user's data."""

import json
import logging

from apps.core.models import AuditAction, AuditLog

logger = logging.getLogger(__name__)

MAX_PARAMETERS_BYTES = 2048
MAX_OBJECT_IDS = 100
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
    text = json.dumps(params, default=str)
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


def record(request, action, status_code, object_ids=(), parameters=None) -> None:
    """Write one audit row for a request (API call or web page)."""
    try:
        user = request.user if request.user.is_authenticated else None
        AuditLog.objects.create(
            user=user,
            username=getattr(user, "username", ""),
            action=action,
            method=request.method,
            path=request.path[:512],
            parameters=parameters or {},
            object_ids=[str(pk) for pk in list(object_ids)[:MAX_OBJECT_IDS]],
            status_code=status_code,
            ip_address=request.META.get("REMOTE_ADDR") or None,
        )
    except Exception:  # the audit must never break the answer; it is logged loudly
        logger.exception("Could not write the audit log for %s", request.path)


def record_api_call(view, request, response) -> None:
    """Write the audit row for an API call, if it is one that is audited."""
    action, object_ids = action_for(view, request, response)
    if action is not None:
        record(request, action, response.status_code, object_ids, _parameters(request))
