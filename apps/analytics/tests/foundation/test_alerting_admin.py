"""The alerting models in the Django admin: listed, and alerts acknowledged."""

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.analytics.models import Alert, AlertRule, AlertRuleKind, AlertState

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["alertrule", "alert", "silence", "alertevent"])
def test_the_changelists_load(admin_client, model):
    response = admin_client.get(reverse(f"admin:analytics_{model}_changelist"))
    assert response.status_code == 200


def test_the_acknowledge_action_marks_who_and_keeps_the_state(admin_client, admin_user):
    rule = AlertRule.objects.create(name="r", kind=AlertRuleKind.HEALTH)
    now = timezone.now()
    alert = Alert.objects.create(
        rule=rule,
        fingerprint="f" * 40,
        severity="critical",
        state=AlertState.FIRING,
        since=now,
        last_evaluated_at=now,
    )
    response = admin_client.post(
        reverse("admin:analytics_alert_changelist"),
        {"action": "acknowledge", "_selected_action": [alert.pk]},
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.state, alert.acknowledged_by) == (AlertState.FIRING, admin_user)
    assert alert.acknowledged_at is not None
