"""Seed a realistic, deterministic demo organisation with `--days` of history.

The same seed and the same `now` (truncated to the local hour) give the same data.
History follows weekday/weekend seasonality and a slow upward trend in usage, and
carries injected incidents for anomaly detection to find:

- CRM sync outage: on the weekday nearest to 10 days before the last day, about 60%
  of sync attempts (both providers, push and pull) time out; the hourly `crm_sync`
  success-rate readings of that day turn critical.
- API latency spike: 3 days before the last day, 13:00-16:00 local time, the
  `gemini_api` api_response_time readings are critical (700-1800 ms against 200/500)
  and the `api` component slows down with it.
- Cache outage: 6 days before the last day, 03:00-04:00 local time, the cache
  cannot be reached: one `down` reading with no value.

Reset deletes the demo users (e-mail `@demo.example`) with everything they own,
their CRM sync logs, the demo leads (e-mail domains under `.example`), the demo
teams and every analytics row (all of them derive from the data being replaced).
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from apps.accounts.models import Team, User
from apps.analytics import models as analytics
from apps.crm.models import CRMSyncLog, Lead
from apps.demo import alerts, debriefings, health, meetings, people, telemetry
from apps.demo.base import DEMO_EMAIL_DOMAIN, Incidents, Timeline, phase_rng
from apps.meetings.models import Meeting

MIN_DAYS, MAX_DAYS = 7, 730
MIN_USERS, MAX_USERS = 4, 500
# Every demo login shares it; the demo is for local machines and screenshots.
DEMO_PASSWORD = "demo"  # noqa: S105
ANALYTICS_MODELS = (
    analytics.PerformanceMetric,
    analytics.UserEngagementMetric,
    analytics.DataQualityMetric,
    analytics.SystemHealthMetric,
    analytics.Report,
)


class DemoDataExists(Exception):
    """The database already holds data; seeding would mix demo and real rows."""


@dataclass
class SeedResult:
    """What a seeding run created."""

    timeline: Timeline
    incidents: Incidents
    logins: list[User]
    counts: dict[str, int] = field(default_factory=dict)


def check_options(*, days: int, users: int, password: str) -> None:
    """Raise ValueError with a one-line message when an option is out of range."""
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError(f"--days must be between {MIN_DAYS} and {MAX_DAYS}: {days}")
    if not MIN_USERS <= users <= MAX_USERS:
        raise ValueError(
            f"--users must be between {MIN_USERS} and {MAX_USERS}: {users}"
        )
    if not password:
        raise ValueError("--password must not be empty")


def existing_data() -> str | None:
    """Return why the database counts as seeded already, or None."""
    if User.objects.filter(username="admin").exists():
        return "user 'admin' exists"
    if Meeting.objects.exists():
        return f"{Meeting.objects.count():,} meetings exist"
    return None


def reset_demo_data() -> None:
    """Delete the demo users and what they own, demo leads and analytics rows."""
    for model in ANALYTICS_MODELS:
        model.objects.all().delete()
    alerts.delete_alert_rules()
    demo_users = User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}")
    # Deleting a user only nulls its sync logs, which would then read as org-wide.
    CRMSyncLog.objects.filter(user__in=demo_users).delete()
    demo_users.delete()
    Lead.objects.filter(email__endswith=".example").delete()
    Team.objects.filter(name__in=people.TEAM_NAMES).delete()


def seed_demo(
    *,
    now: datetime,
    seed: int = 42,
    days: int = 90,
    users: int = 20,
    password: str = DEMO_PASSWORD,
    reset: bool = False,
    progress: Callable[[str, int], None] = lambda phase, count: None,
) -> SeedResult:
    """Seed the demo organisation, in one transaction, with history up to `now`."""
    check_options(days=days, users=users, password=password)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not connection.features.can_return_rows_from_bulk_insert:
        raise RuntimeError("seed_demo needs SQLite 3.35+ or PostgreSQL")
    timeline = Timeline.ending(now, days=days, tz=ZoneInfo(settings.TIME_ZONE))
    incidents = Incidents.plan(timeline)
    with transaction.atomic():
        if reset:
            reset_demo_data()
        elif reason := existing_data():
            raise DemoDataExists(reason)
        taken = User.objects.filter(username__in=people.planned_usernames(users))
        if name := taken.values_list("username", flat=True).first():
            raise ValueError(f"user {name!r} exists and is not a demo user")
        result = SeedResult(timeline=timeline, incidents=incidents, logins=[])
        _generate(seed, users, password, timeline, incidents, result, progress)
    return result


def _generate(seed, users, password, timeline, incidents, result, progress) -> None:
    """Run the phases in foreign-key order, counting the rows of each."""

    def rng(phase: str) -> random.Random:
        return phase_rng(seed, phase)

    def done(label: str, rows: list) -> list:
        result.counts[label] = len(rows)
        progress(label, len(rows))
        return rows

    # Hashing is slow on purpose: hash once and share the hash.
    password_hash = make_password(password)
    teams, staff = people.create_people(
        rng("people"), count=users, password_hash=password_hash, timeline=timeline
    )
    done("teams", teams)
    done("users", staff)
    result.logins = [person.user for person in staff[:4]]
    reps = [person for person in staff if person.is_rep]

    companies = meetings.create_leads(rng("leads"))
    done("leads", meetings.all_leads(companies))
    planned = meetings.create_meetings(rng("meetings"), timeline, reps, companies)
    done("meetings", planned)
    participants, guests = meetings.create_participants(
        rng("participants"), planned, reps, companies
    )
    done("participants", participants)
    matched = meetings.create_matches(
        rng("matches"), timeline, guests, planned, companies
    )
    done("participant matches", matched)

    debriefed = debriefings.create_debriefings(rng("debriefings"), timeline, planned)
    done("debriefings", debriefed)
    fields = debriefings.create_extracted_fields(rng("fields"), timeline, debriefed)
    done("extracted fields", fields)
    mentions = debriefings.create_competitor_mentions(
        rng("competitors"), timeline, debriefed
    )
    done("competitor mentions", mentions)

    sync_logs = telemetry.create_sync_logs(
        rng("sync"), timeline, staff, debriefed, matched, incidents
    )
    done("crm sync logs", sync_logs)
    events = telemetry.create_engagement(rng("engagement"), timeline, staff, planned)
    done("engagement events", events)
    _set_last_logins(staff, events)
    readings = health.create_health_readings(
        rng("health"), timeline, sync_logs, incidents
    )
    done("health readings", readings)
    done("alert rules", alerts.create_alert_rules(timeline.start, timeline.now))


def _set_last_logins(staff, events) -> None:
    """Set each user's last_login to their latest login event."""
    latest: dict[int, datetime] = {}
    for event in events:
        if event.engagement_type == analytics.EngagementType.LOGIN:
            previous = latest.get(event.user_id, event.timestamp)
            latest[event.user_id] = max(event.timestamp, previous)
    users = [person.user for person in staff if person.user.pk in latest]
    for user in users:
        user.last_login = latest[user.pk]
    User.objects.bulk_update(users, ["last_login"])
