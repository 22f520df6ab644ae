import uuid

import pytest
from django.core.exceptions import ValidationError

from apps.accounts.tests.factories import UserFactory
from apps.analytics.models import UserEngagementMetric
from apps.analytics.services.engagement import record_engagement_batch
from apps.analytics.tests.factories import UserEngagementMetricFactory

pytestmark = pytest.mark.django_db


def _item(event_id=None, kind="login"):
    item = {"engagement_type": kind, "session_id": "s", "metadata": {"k": "v"}}
    if event_id:
        item["event_id"] = str(event_id)
    return item


def test_a_batch_stores_new_events_once_and_answers_the_stored_ones():
    user = UserFactory()
    known = UserEngagementMetricFactory(user=user, event_id=uuid.uuid4())
    fresh = uuid.uuid4()

    result = record_engagement_batch(
        user, [_item(fresh), _item(known.event_id), _item(), _item(fresh)]
    )

    assert [e.event_id for e in result.created] == [fresh, None]
    assert [e.pk for e in result.duplicates] == [known.pk]
    assert UserEngagementMetric.objects.filter(event_id=fresh).count() == 1
    stored = UserEngagementMetric.objects.get(event_id=fresh)
    assert stored.metadata == {"k": "v"}
    assert result.created[0].pk == stored.pk


def test_sending_a_batch_twice_stores_it_once():
    user = UserFactory()
    items = [_item(uuid.uuid4()) for _ in range(3)]

    first = record_engagement_batch(user, items)
    again = record_engagement_batch(user, items)

    assert (len(first.created), len(again.created), len(again.duplicates)) == (3, 0, 3)
    assert UserEngagementMetric.objects.count() == 3


def test_another_users_event_id_refuses_the_whole_batch():
    taken = UserEngagementMetricFactory(event_id=uuid.uuid4())

    with pytest.raises(ValidationError):
        record_engagement_batch(
            UserFactory(), [_item(uuid.uuid4()), _item(taken.event_id)]
        )

    assert UserEngagementMetric.objects.count() == 1
