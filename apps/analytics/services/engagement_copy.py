"""Batch ingest on PostgreSQL: COPY into a temporary table, then one INSERT.

`INSERT ... SELECT ... WHERE <event_id not claimed yet> RETURNING event_id` stores
the new events and skips the event_ids stored before in one statement, so a batch
needs no prior look-up; COPY carries the rows in the cheapest wire format. The
events table is partitioned by month, so event_id is kept unique by the claim
table its trigger fills (services/partitions.py), not by a unique index that
`ON CONFLICT` could name: an event_id claimed by a concurrent request between the
check and the insert fails the claim with an IntegrityError, and the caller
retries the batch. The temporary table lives as long as the connection and is
emptied at each commit.
"""

from django.db import connection
from django.utils import timezone

from apps.analytics.models import UserEngagementMetric
from apps.analytics.services.partitions import EVENT_KEYS

STAGING = "analytics_engagement_staging"
COLUMNS = (
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
)
TABLE = UserEngagementMetric._meta.db_table
CREATE_STAGING = f"""
CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING} (
    ord integer, user_id bigint, engagement_type varchar(32),
    session_id varchar(128), duration_seconds double precision,
    entity_type varchar(64), entity_id varchar(64), metadata text,
    timestamp timestamptz, created_at timestamptz, event_id uuid
) ON COMMIT DELETE ROWS
"""
RESET_STAGING = f"{CREATE_STAGING}; DELETE FROM {STAGING}"  # noqa: S608 - fixed
INSERT_NEW = f"""INSERT INTO {TABLE} ({", ".join(COLUMNS)})
SELECT {", ".join(COLUMNS)} FROM {STAGING} AS new
WHERE new.event_id IS NULL
   OR NOT EXISTS (SELECT 1 FROM "{EVENT_KEYS}" AS k WHERE k.event_id = new.event_id)
ORDER BY ord
RETURNING id, event_id
"""  # noqa: S608 - fixed table and column names


def copy_insert(events: list[UserEngagementMetric]) -> set:
    """Store events whose event_id is new; return the event_ids stored (None too).

    Call inside a transaction. The stored events get their id where their
    event_id tells them apart.
    """
    metadata = UserEngagementMetric._meta.get_field("metadata")
    now = timezone.now()
    with connection.cursor() as cursor:
        # Emptied first as well: inside a longer transaction (tests, a request
        # wrapped in one) the commit that empties it has not come yet.
        cursor.execute(RESET_STAGING)
        columns = ", ".join(("ord", *COLUMNS))
        with cursor.copy(f"COPY {STAGING} ({columns}) FROM STDIN") as copy:
            for ord_, event in enumerate(events):
                event.created_at = now
                copy.write_row(
                    (
                        ord_,
                        event.user_id,
                        event.engagement_type,
                        event.session_id,
                        event.duration_seconds,
                        event.entity_type,
                        event.entity_id,
                        metadata.get_db_prep_save(event.metadata, connection),
                        event.timestamp,
                        now,
                        event.event_id,
                    )
                )
        cursor.execute(INSERT_NEW)
        stored = dict((event_id, pk) for pk, event_id in cursor.fetchall())
    for event in events:
        if event.event_id is not None and event.event_id in stored:
            event.pk = stored[event.event_id]
    return set(stored)
