"""Report emails, exactly once per report type, period, scope and recipient.

The ReportDelivery ledger's unique key makes a retried or doubly-scheduled send
find its row: already `sent` means skip (unless a resend is asked for); `sending`
means another worker has it (unless that claim is stale); `pending` or `failed` is
claimed by one conditional UPDATE, so only one sender wins.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from apps.analytics.models import DeliveryStatus, ReportDelivery
from apps.analytics.reporting.figures import format_value
from apps.analytics.reporting.render_csv import report_csv, report_filename
from apps.analytics.reporting.render_html import render_email_html
from apps.core.encryption import blind_index
from apps.core.links import absolute_url

logger = logging.getLogger(__name__)

# A claim older than this belongs to a sender that died mid-send: take it over.
STALE_CLAIM = dt.timedelta(minutes=10)


@dataclass
class DeliverySummary:
    """What one delivery run did, per recipient."""

    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def report_url(report) -> str:
    """Return the absolute URL of the report's web page."""
    return absolute_url(reverse("analytics:report-detail", args=[report.pk]))


def build_email(report, recipient: str) -> EmailMultiAlternatives:
    """Return the report's email: text, HTML alternative and the CSV attached."""
    data = report.report_data
    lines = [
        data.get("title", report.title),
        data.get("period", {}).get("label", ""),
        "",
    ]
    for row in data.get("summary", []):
        lines.append(f"- {row['label']}: {format_value(row['value'], row['format'])}")
    if data.get("notes"):
        lines += ["", "Notable changes:", *[f"- {note}" for note in data["notes"]]]
    lines += [
        "",
        f"Full report: {report_url(report)}",
        "The figures are attached as CSV.",
    ]
    email = EmailMultiAlternatives(
        subject=data.get("title", report.title),
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
    )
    email.attach_alternative(
        render_email_html(report, report_url=report_url(report)), "text/html"
    )
    email.attach(report_filename(report, "csv"), report_csv(data), "text/csv")
    return email


def _claim(row: ReportDelivery, report, *, resend: bool) -> bool:
    now = timezone.now()
    settled = [DeliveryStatus.PENDING, DeliveryStatus.FAILED]
    if resend:
        settled.append(DeliveryStatus.SENT)
    claimable = Q(status__in=settled) | Q(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM
    )
    return bool(
        ReportDelivery.objects.filter(claimable, pk=row.pk).update(
            status=DeliveryStatus.SENDING,
            claimed_at=now,
            attempts=F("attempts") + 1,
            report=report,
        )
    )


def deliver_report(report, recipients, *, resend=False) -> DeliverySummary:
    """Email a completed report to each recipient at most once per type, period and
    scope; `resend` sends it again to those who already had it."""
    summary = DeliverySummary()
    for recipient in sorted({r.strip().lower() for r in recipients if r.strip()}):
        # The recipient is encrypted (a new ciphertext each time): the ledger
        # finds it by its keyed hash, which the unique key covers.
        row, _ = ReportDelivery.objects.get_or_create(
            report_type=report.report_type,
            period_start=report.period_start,
            period_end=report.period_end,
            scope_key=report.parameters["scope_key"],
            recipient_hash=blind_index(recipient),
            defaults={"report": report, "recipient": recipient},
        )
        if not _claim(row, report, resend=resend):
            summary.skipped.append(recipient)
            continue
        try:
            build_email(report, recipient).send(fail_silently=False)
        except Exception as exc:  # recorded on the ledger; the task retries
            logger.warning(
                "Sending report %s to %s failed: %s", report.pk, recipient, exc
            )
            ReportDelivery.objects.filter(pk=row.pk).update(
                status=DeliveryStatus.FAILED, last_error=f"{type(exc).__name__}: {exc}"
            )
            summary.failed[recipient] = str(exc)
            continue
        ReportDelivery.objects.filter(pk=row.pk).update(
            status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error=""
        )
        summary.sent.append(recipient)
    return summary
