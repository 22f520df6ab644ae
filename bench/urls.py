"""The project's routes plus `POST /bench/baseline-create/`, the S1 baseline.

A bare Django view that stores one event with `objects.create`: the whole Django
stack (middleware included) but no DRF, authentication, validation, dedupe or
live counters, so the ratio says what tracking costs beyond storing a row.
"""

import os
import uuid

from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from apps.analytics.models import UserEngagementMetric
from config.urls import urlpatterns as project_urls


@csrf_exempt
def baseline_create(request):
    """Store one event the plain way."""
    UserEngagementMetric.objects.create(
        user_id=int(os.environ.get("BENCH_BASELINE_USER", "1")),
        engagement_type="meeting_view",
        session_id="bench",
        entity_type="meeting",
        entity_id="1",
        timestamp=timezone.now(),
        event_id=uuid.uuid4(),
    )
    return HttpResponse(status=201)


urlpatterns = [path("bench/baseline-create/", baseline_create), *project_urls]
