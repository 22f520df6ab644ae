"""Where alerts are announced: email, a signed webhook, Alertmanager's v2 API.

Nothing secret is kept in the database: addresses, URLs and the webhook's
signing secret come from settings at call time. Every attempt returns a
ChannelResult that the caller records; a failing channel never stops the others.
"""

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from apps.analytics.models import Alert, Report, ReportStatus
from apps.core.links import absolute_url

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Analytics-Signature"
DASHBOARD_PATH = "/dashboard/"


@dataclasses.dataclass(frozen=True)
class ChannelResult:
    channel: str
    ok: bool
    error: str = ""


# --- wording ----------------------------------------------------------------------


def subject_of(alert: Alert, kind: str, evaluation) -> str:
    """E.g. "[CRITICAL] gemini_api api_response_time: 612 (threshold 500)"."""
    labels = alert.labels
    what = " ".join(
        part for part in (labels.get("component"), labels.get("health_type")) if part
    )
    if labels.get("metric_type") and labels.get("metric_type") != what:
        what = f"{what} {labels['metric_type']}".strip()
    figures = f"{_number(evaluation.value)} (threshold {_number(evaluation.threshold)})"
    prefix = "RESOLVED" if kind == "resolved" else alert.severity.upper()
    return f"[{prefix}] {what}: {figures}"


def body_of(alert: Alert, kind: str, evaluation, now: dt.datetime) -> str:
    lines = [
        f"Alert: {alert.labels.get('alertname')}",
        f"State: {kind}",
        f"Severity: {alert.severity}",
        f"Value: {_number(evaluation.value)}"
        f" (threshold {_number(evaluation.threshold)})",
        f"Condition true since: {_local(alert.since)}",
    ]
    if alert.firing_since:
        lines.append(f"Firing since: {_local(alert.firing_since)}")
    if kind == "resolved":
        lines.append(f"Resolved at: {_local(now)}")
    if evaluation.detail:
        lines.append(f"Detail: {evaluation.detail}")
    lines.append(
        "Labels: " + ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items()))
    )
    lines.append(f"Dashboard: {absolute_url(DASHBOARD_PATH)}")
    report = report_of_day(alert.since)
    if report is not None:
        lines.append(f"Report of the day: {absolute_url(f'/reports/{report.pk}/')}")
    return "\n".join(lines) + "\n"


def report_of_day(moment: dt.datetime) -> Report | None:
    """Return the latest completed report whose period covers a moment."""
    return (
        Report.objects.filter(
            status=ReportStatus.COMPLETED,
            period_start__lte=moment,
            period_end__gt=moment,
        )
        .order_by("period_end", "-generated_at")
        .first()
    )


def _local(moment: dt.datetime) -> str:
    """Show a time on the organisation's clock, as the dashboard does."""
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _number(value) -> str:
    if value is None:
        return "n/a"
    return f"{value:g}" if isinstance(value, float) else str(value)


# --- channels ---------------------------------------------------------------------


def notify(
    alert: Alert, kind: str, evaluation, now: dt.datetime
) -> list[ChannelResult]:
    """Announce a firing or a resolution on every configured channel."""
    results = []
    if settings.ANALYTICS_ALERT_EMAILS:
        results.append(send_email(alert, kind, evaluation, now))
    if settings.ANALYTICS_ALERT_WEBHOOK_URL:
        results.append(send_webhook(alert, kind, evaluation, now))
    return results


def send_email(alert, kind, evaluation, now) -> ChannelResult:
    try:
        send_mail(
            subject_of(alert, kind, evaluation),
            body_of(alert, kind, evaluation, now),
            None,
            list(settings.ANALYTICS_ALERT_EMAILS),
        )
    except Exception as exc:  # SMTP refusals are recorded, not raised
        logger.exception("alert email for %s failed", alert.pk)
        return ChannelResult("email", False, f"{type(exc).__name__}: {exc}")
    return ChannelResult("email", True)


def webhook_payload(alert, kind, evaluation, now) -> dict:
    return {
        "text": subject_of(alert, kind, evaluation),  # what Slack shows
        "status": kind,
        "alert_id": alert.pk,
        "labels": alert.labels,
        "severity": alert.severity,
        "value": evaluation.value,
        "threshold": evaluation.threshold,
        "since": alert.since.isoformat(),
        "at": now.isoformat(),
        "dashboard": absolute_url(DASHBOARD_PATH),
    }


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_webhook(alert, kind, evaluation, now) -> ChannelResult:
    body = json.dumps(webhook_payload(alert, kind, evaluation, now)).encode()
    headers = {"Content-Type": "application/json"}
    if settings.ANALYTICS_ALERT_WEBHOOK_SECRET:
        headers[SIGNATURE_HEADER] = sign(body, settings.ANALYTICS_ALERT_WEBHOOK_SECRET)
    error = post_with_retries(settings.ANALYTICS_ALERT_WEBHOOK_URL, body, headers)
    return ChannelResult("webhook", not error, error)


def post_with_retries(url: str, body: bytes, headers: dict) -> str:
    """POST with a timeout, retrying failures with exponential backoff.

    Returns "" on success, else the last error. A 4xx other than 429 is not
    retried: the receiver refused this body and will refuse it again.
    """
    attempts = 1 + settings.ANALYTICS_ALERT_WEBHOOK_RETRIES
    if not url.startswith(("http://", "https://")):
        return f"not an http(s) URL: {url!r}"
    error = ""
    for attempt in range(attempts):
        if attempt:
            time.sleep(settings.ANALYTICS_ALERT_WEBHOOK_BACKOFF * 2 ** (attempt - 1))
        request = urllib.request.Request(  # noqa: S310 (http(s) checked above)
            url, data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(  # noqa: S310
                request, timeout=settings.ANALYTICS_ALERT_WEBHOOK_TIMEOUT
            ):
                return ""
        except urllib.error.HTTPError as exc:
            error = f"HTTP {exc.code} (attempt {attempt + 1} of {attempts})"
            if 400 <= exc.code < 500 and exc.code != 429:
                return error
        except (urllib.error.URLError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc} (attempt {attempt + 1} of {attempts})"
    logger.warning("POST %s failed: %s", url, error)
    return error


def alertmanager_alert(alert, evaluation, now) -> dict:
    """One alert in Alertmanager's v2 shape; a resolved one ends now."""
    resolved = alert.state == "resolved"
    # Re-sent every run while firing; a lost run must not make it look resolved.
    ends = now if resolved else now + dt.timedelta(minutes=5)
    return {
        "labels": alert.labels,
        "annotations": {
            "summary": subject_of(
                alert, "resolved" if resolved else "firing", evaluation
            ),
            "value": _number(evaluation.value),
            "threshold": _number(evaluation.threshold),
        },
        "startsAt": (alert.firing_since or alert.since).isoformat(),
        "endsAt": ends.isoformat(),
        "generatorURL": absolute_url(DASHBOARD_PATH),
    }


def push_to_alertmanager(alert, evaluation, now) -> list[ChannelResult]:
    """POST the alert to ALERTMANAGER_URL's /api/v2/alerts (nothing when unset)."""
    if not settings.ALERTMANAGER_URL:
        return []
    url = settings.ALERTMANAGER_URL.rstrip("/") + "/api/v2/alerts"
    body = json.dumps([alertmanager_alert(alert, evaluation, now)]).encode()
    error = post_with_retries(url, body, {"Content-Type": "application/json"})
    return [ChannelResult("alertmanager", not error, error)]
