"""The webhook and Alertmanager channels, against real HTTP servers on 127.0.0.1."""

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.analytics.models import (
    Alert,
    AlertEvent,
    AlertRule,
    AlertRuleKind,
    AlertSeverity,
)
from apps.analytics.services import alerting
from apps.analytics.services.alerting_channels import SIGNATURE_HEADER
from apps.analytics.services.realtime import RealTimeAnalyticsCollector
from apps.analytics.tests.conftest import local

pytestmark = pytest.mark.django_db

T0 = local("2026-11-10", 9)
SECRET = "s3cret"


class Receiver:
    """A local HTTP server recording what it receives, answering scripted codes."""

    def __init__(self, codes=()):
        self.codes = list(codes)
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((self.path, dict(self.headers), body))
                code = receiver.codes.pop(0) if receiver.codes else 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(codes=()):
        made.append(Receiver(codes))
        return made[-1]

    yield make
    for one in made:
        one.close()


@pytest.fixture(autouse=True)
def _channels(settings):
    settings.ANALYTICS_ALERT_EMAILS = []
    settings.ANALYTICS_ALERT_WEBHOOK_URL = ""
    settings.ANALYTICS_ALERT_WEBHOOK_SECRET = SECRET
    settings.ANALYTICS_ALERT_WEBHOOK_BACKOFF = 0.01
    settings.ALERTMANAGER_URL = ""


def firing_rule(value):
    rule = AlertRule.objects.create(
        name="Gemini API slow",
        kind=AlertRuleKind.HEALTH,
        severity=AlertSeverity.CRITICAL,
        component="gemini_api",
        health_type="api_response_time",
        for_seconds=0,
        labels={"team": "platform"},
    )
    reading(value, T0)
    return rule


def reading(value, timestamp):
    RealTimeAnalyticsCollector.track_system_health(
        health_type="api_response_time",
        component="gemini_api",
        value=value,
        unit="ms",
        warning_threshold=200.0,
        critical_threshold=500.0,
        timestamp=timestamp,
    )


def test_the_webhook_is_signed_and_retried_once_after_a_500(receiver, settings):
    hook = receiver(codes=[500, 200])
    settings.ANALYTICS_ALERT_WEBHOOK_URL = hook.url + "/hooks/alerts"
    firing_rule(612)
    summary = alerting.run_alerts(now=T0)
    assert (summary.notifications, summary.failures) == (1, 0)
    assert len(hook.received) == 2  # the 500, then the retry
    path, headers, body = hook.received[1]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert path == "/hooks/alerts"
    assert headers[SIGNATURE_HEADER] == expected
    payload = json.loads(body)
    assert payload["text"] == (
        "[CRITICAL] gemini_api api_response_time: 612 (threshold 500)"
    )
    assert (payload["status"], payload["labels"]["team"]) == ("firing", "platform")
    event = AlertEvent.objects.get(kind="notification")
    assert (event.channel, event.status, event.error) == ("webhook", "sent", "")


def test_a_webhook_that_keeps_failing_is_recorded_as_failed(receiver, settings):
    hook = receiver(codes=[500, 502, 503])
    settings.ANALYTICS_ALERT_WEBHOOK_URL = hook.url
    firing_rule(612)
    summary = alerting.run_alerts(now=T0)
    assert (summary.notifications, summary.failures) == (0, 1)
    assert len(hook.received) == 3  # one attempt and two retries
    event = AlertEvent.objects.get(kind="notification")
    assert (event.channel, event.status, event.error) == (
        "webhook",
        "failed",
        "HTTP 503 (attempt 3 of 3)",
    )


def test_a_webhook_refusing_the_body_is_not_retried(receiver, settings):
    hook = receiver(codes=[400])
    settings.ANALYTICS_ALERT_WEBHOOK_URL = hook.url
    firing_rule(612)
    alerting.run_alerts(now=T0)
    assert len(hook.received) == 1


def test_alertmanager_gets_the_firing_alert_and_then_its_end(receiver, settings):
    manager = receiver()
    settings.ALERTMANAGER_URL = manager.url
    firing_rule(612)
    alerting.run_alerts(now=T0)
    reading(100, T0 + dt.timedelta(minutes=1))
    alerting.run_alerts(now=T0 + dt.timedelta(minutes=1))
    alerting.run_alerts(now=T0 + dt.timedelta(minutes=2))  # nothing left to push
    assert [path for path, _, _ in manager.received] == ["/api/v2/alerts"] * 2
    firing, resolved = (json.loads(body)[0] for _, _, body in manager.received)
    assert firing["labels"] == {
        "alertname": "Gemini API slow",
        "severity": "critical",
        "component": "gemini_api",
        "health_type": "api_response_time",
        "team": "platform",
    }
    assert firing["startsAt"] == T0.isoformat()
    assert firing["endsAt"] == (T0 + dt.timedelta(minutes=5)).isoformat()
    assert resolved["endsAt"] == (T0 + dt.timedelta(minutes=1)).isoformat()
    assert Alert.objects.get().state == "resolved"
    assert list(
        AlertEvent.objects.filter(channel="alertmanager")
        .order_by("timestamp")
        .values_list("state", "status")
    ) == [("firing", "sent"), ("resolved", "sent")]
