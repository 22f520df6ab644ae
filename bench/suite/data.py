"""Generate a benchmark organisation with COPY: users, meetings, debriefings,
CRM sync logs and engagement events, in proportion to a scale.

Rows are made by a seeded RNG and streamed through psycopg 3's COPY, so even the
large scale (5M events) loads in minutes. Engagement metadata is encrypted at rest:
a few dozen real Fernet tokens are made once and reused, so every row decrypts.
"""

import datetime as dt
import json
import random
import time
import uuid
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone

from apps.accounts.models import Role, Team, User
from apps.analytics.models import EngagementType
from apps.core.encryption import encrypt_text

DAYS = 60
TEAM_SIZE = 10


@dataclass(frozen=True)
class Scale:
    name: str
    events: int
    users: int

    @property
    def meetings(self) -> int:
        return self.events // 20

    @property
    def sync_logs(self) -> int:
        return self.events // 10


SCALES = {
    "small": Scale("small", 100_000, 40),
    "medium": Scale("medium", 1_000_000, 100),
    "large": Scale("large", 5_000_000, 200),
}


@dataclass
class Organisation:
    admin: User
    manager: User
    member: User
    user_ids: list


def _copy(table: str, columns: tuple, rows) -> int:
    count = 0
    with connection.cursor() as cursor:
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def _people(scale: Scale) -> Organisation:
    password = make_password("bench")
    teams = [
        Team.objects.create(name=f"bench-team-{i}")
        for i in range(max(1, scale.users // TEAM_SIZE))
    ]
    users = User.objects.bulk_create(
        User(
            username=f"bench-{i}",
            password=password,
            role=Role.MANAGER if i % TEAM_SIZE == 0 else Role.MEMBER,
            team=teams[(i // TEAM_SIZE) % len(teams)],
        )
        for i in range(scale.users)
    )
    admin = User.objects.create(
        username="bench-admin", password=password, role=Role.ADMIN
    )
    return Organisation(admin, users[0], users[1], [u.pk for u in users])


def _events(scale: Scale, user_ids, now, rng):
    tokens = [encrypt_text(json.dumps({"n": i, "source": "bench"})) for i in range(40)]
    kinds = EngagementType.values
    start = now - dt.timedelta(days=DAYS)
    span = (now - start).total_seconds() - 60
    for i in range(scale.events):
        user = rng.choice(user_ids)
        moment = start + dt.timedelta(seconds=span * i / scale.events)
        yield (
            user,
            kinds[i % len(kinds)],
            f"s-{user}-{i // 40}",
            float(rng.randrange(0, 600)) if i % 3 else None,
            "meeting",
            str(i % 5000),
            rng.choice(tokens),
            moment,
            moment,
            uuid.UUID(int=rng.getrandbits(128), version=4),
        )


def _meetings(scale: Scale, user_ids, now, rng):
    for i in range(scale.meetings):
        begin = now - dt.timedelta(seconds=rng.randrange(3600, DAYS * 86400))
        kind = ("sales", "internal", "other")[i % 3]
        confirmed = kind if i % 4 else None
        yield (
            now,
            now,
            f"Meeting {i}",
            begin,
            begin + dt.timedelta(minutes=30),
            f"cal-{i}",
            kind,
            rng.random(),
            confirmed,
            begin if confirmed else None,
            kind == "sales",
            rng.choice(user_ids),
        )


def _sync_logs(scale: Scale, user_ids, now, rng):
    statuses = ("success",) * 8 + ("failed", "conflict")
    for i in range(scale.sync_logs):
        moment = now - dt.timedelta(seconds=rng.randrange(60, DAYS * 86400))
        yield (
            now,
            now,
            "meeting",
            str(i),
            "push",
            "hubspot",
            statuses[i % 10],
            rng.randrange(20, 900),
            "",
            moment,
            rng.choice(user_ids),
        )


def existing() -> Organisation:
    """Return the organisation an earlier generate() left in this database."""
    users = list(User.objects.filter(username__startswith="bench-").order_by("pk"))
    people = [u for u in users if u.username != "bench-admin"]
    admin = next(u for u in users if u.username == "bench-admin")
    return Organisation(admin, people[0], people[1], [u.pk for u in people])


def generate(scale: Scale, *, seed: int = 14) -> tuple[Organisation, dict]:
    """Fill the (empty, migrated) database; return the organisation and timings."""
    rng = random.Random(seed)
    now = timezone.now()
    timings = {}
    started = time.perf_counter()
    org = _people(scale)
    _copy(
        "meetings_meeting",
        (
            "created_at",
            "updated_at",
            "title",
            "start_time",
            "end_time",
            "calendar_event_id",
            "detected_type",
            "detection_confidence",
            "confirmed_type",
            "confirmed_at",
            "requires_debriefing",
            "owner_id",
        ),
        _meetings(scale, org.user_ids, now, rng),
    )
    with connection.cursor() as cursor:
        # One debriefing per sales meeting, most of them completed.
        cursor.execute(
            "INSERT INTO debriefings_debriefing (created_at, updated_at, status, "
            "started_at, completed_at, meeting_id, owner_id) "
            "SELECT end_time, end_time, CASE WHEN id % 5 = 0 THEN 'pending' "
            "ELSE 'completed' END, end_time, CASE WHEN id % 5 = 0 THEN NULL "
            "ELSE end_time + interval '1 hour' END, id, owner_id "
            "FROM meetings_meeting WHERE requires_debriefing"
        )
    _copy(
        "crm_crmsynclog",
        (
            "created_at",
            "updated_at",
            "entity_type",
            "entity_id",
            "direction",
            "provider",
            "status",
            "duration_ms",
            "error",
            "attempted_at",
            "user_id",
        ),
        _sync_logs(scale, org.user_ids, now, rng),
    )
    timings["source_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    _copy(
        "analytics_userengagementmetric",
        (
            "user_id",
            "engagement_type",
            "session_id",
            "duration_seconds",
            "entity_type",
            "entity_id",
            "metadata",
            "timestamp",
            "created_at",
            "event_id",
        ),
        _events(scale, org.user_ids, now, rng),
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # fresh statistics, as a live table has
    timings["events_seconds"] = time.perf_counter() - started
    return org, timings
