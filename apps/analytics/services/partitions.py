# ruff: noqa: S608 -- table and partition names are this module's constants, never input
"""Monthly range partitions of the event tables on PostgreSQL.

The engagement events and the health readings grow without bound and are read and
expired by time, so on PostgreSQL each is partitioned by month of its `timestamp`
(UTC months: bounds that do not move with TIME_ZONE or daylight saving):

- a window's queries scan only the months it overlaps (partition pruning);
- retention drops a whole month at once instead of deleting its rows one by one;
- each month's indexes stay small enough to be cached.

Each table also has a DEFAULT partition, so a row whose month has no partition yet
(an event dated long ago, a clock far ahead) is stored, never refused. Partitions
are made ahead by `ensure_partitions` (a daily beat task and every `migrate`); a
partition created for a month the default already holds rows of takes them over.

PostgreSQL requires every unique constraint of a partitioned table to include the
partition key, so `event_id` (the client's idempotency key, unique across all
events) cannot stay a unique index of the events table. Instead a trigger claims
each event_id in a small unpartitioned table (`analytics_engagement_event_key`)
before the row is inserted: a repeated event_id fails the claim's primary key with
an IntegrityError, exactly as the unique index did, so the ingest code and its
semantics are the same on every database. Deleting an event releases its claim.

On SQLite nothing here applies: the tables stay plain, every function is a no-op.
"""

import datetime as dt
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import connection as default_connection
from django.db import transaction
from django.utils import timezone

from apps.analytics.limits import MAX_EVENT_AGE

logger = logging.getLogger(__name__)

KEY = "timestamp"  # the partition key of both tables
ENGAGEMENT = "analytics_userengagementmetric"
HEALTH = "analytics_systemhealthmetric"
TABLES = (ENGAGEMENT, HEALTH)
EVENT_KEYS = "analytics_engagement_event_key"
CLAIM_FUNCTION = "analytics_claim_event_id"
RELEASE_FUNCTION = "analytics_release_event_id"
FORGET_FUNCTION = "analytics_forget_event_ids"
MONTH_SUFFIX = re.compile(r"_p(\d{4})_(\d{2})$")


@dataclass(frozen=True)
class Partition:
    """One month's partition of a table: rows with start <= timestamp < end."""

    name: str
    start: dt.datetime
    end: dt.datetime


def month_start(moment: dt.datetime) -> dt.datetime:
    """Return the first instant of the UTC month holding `moment`."""
    utc = moment.astimezone(dt.UTC)
    return utc.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def add_months(month: dt.datetime, count: int) -> dt.datetime:
    """Return the first instant of the month `count` months after `month`."""
    index = month.year * 12 + month.month - 1 + count
    return month.replace(year=index // 12, month=index % 12 + 1)


def partition_name(table: str, month: dt.datetime) -> str:
    return f"{table}_p{month:%Y_%m}"


def default_partition(table: str) -> str:
    return f"{table}_default"


def is_partitioned(table: str, *, connection=None) -> bool:
    """Tell whether `table` is a partitioned table (PostgreSQL only)."""
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table]
        )
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


def month_partitions(table: str, *, connection=None) -> list[Partition]:
    """Return the table's monthly partitions, oldest first (not the default)."""
    connection = connection or default_connection
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = to_regclass(%s)",
            [table],
        )
        names = [name for (name,) in cursor.fetchall()]
    found = []
    for name in names:
        match = MONTH_SUFFIX.search(name)
        if match and name.startswith(table):
            start = dt.datetime(int(match[1]), int(match[2]), 1, tzinfo=dt.UTC)
            found.append(Partition(name, start, add_months(start, 1)))
    return sorted(found, key=lambda p: p.start)


def wanted_months(now: dt.datetime, months_ahead: int) -> list[dt.datetime]:
    """Return the months an event may be dated in now, and `months_ahead` more."""
    first = month_start(now - MAX_EVENT_AGE)
    last = add_months(month_start(now), months_ahead)
    months, month = [], first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def ensure_partitions(
    *, now: dt.datetime | None = None, months_ahead: int | None = None, connection=None
) -> list[str]:
    """Create the missing monthly partitions (from the oldest month an event may
    still be dated in up to `months_ahead` months ahead); return their names.

    Idempotent: a month that has its partition is left alone.
    """
    connection = connection or default_connection
    now = now or timezone.now()
    if months_ahead is None:
        months_ahead = settings.ANALYTICS_PARTITION_MONTHS_AHEAD
    created = []
    for table in TABLES:
        if not is_partitioned(table, connection=connection):
            continue
        have = {p.start for p in month_partitions(table, connection=connection)}
        for month in wanted_months(now, months_ahead):
            if month not in have:
                create_month_partition(table, month, connection=connection)
                created.append(partition_name(table, month))
    if created:
        logger.info("Created partitions %s", ", ".join(created))
    return created


def create_month_partition(table: str, month: dt.datetime, *, connection=None) -> None:
    """Create the partition of `month`, taking over the default partition's rows of
    that month (PostgreSQL refuses the partition while the default holds them)."""
    connection = connection or default_connection
    name, default = partition_name(table, month), default_partition(table)
    bounds = [month, add_months(month, 1)]
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f'CREATE TEMP TABLE "_moving" (LIKE "{table}") ON COMMIT DROP')
        cursor.execute(
            f'WITH moved AS (DELETE FROM "{default}" WHERE "{KEY}" >= %s'
            f' AND "{KEY}" < %s RETURNING *) INSERT INTO "_moving" SELECT * FROM moved',
            bounds,
        )
        cursor.execute(
            f'CREATE TABLE "{name}" PARTITION OF "{table}"'
            " FOR VALUES FROM (%s) TO (%s)",
            bounds,
        )
        cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "_moving"')
        cursor.execute('DROP TABLE "_moving"')


def drop_partition(table: str, partition: Partition, *, connection=None) -> int:
    """Drop one month's partition; return how many rows went with it."""
    connection = connection or default_connection
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{partition.name}"')
        (rows,) = cursor.fetchone()
        if table == ENGAGEMENT:
            # DROP fires no row trigger: release the month's event_id claims here.
            cursor.execute(
                f'DELETE FROM "{EVENT_KEYS}" WHERE event_id IN (SELECT event_id'
                f' FROM "{partition.name}" WHERE event_id IS NOT NULL)'
            )
        # Deferred foreign key checks of rows written earlier in this transaction
        # must run before their table goes (PostgreSQL refuses the DROP otherwise).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'DROP TABLE "{partition.name}"')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    logger.info("Dropped partition %s (%d rows)", partition.name, rows)
    return rows


# --- Converting a table (migration 0012) -------------------------------------------


def _constraints(cursor, table: str, kind: str) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = to_regclass(%s) AND contype = %s",
        [table, kind],
    )
    return cursor.fetchall()


def partition_table(schema_editor, model) -> None:
    """Rebuild `model`'s table as a partitioned table holding the same rows.

    Columns, defaults, checks, foreign keys and the model's Meta indexes are kept;
    the primary key becomes (id, timestamp); `id` draws from a sequence (a
    partitioned table cannot have an identity column before PostgreSQL 17).
    """
    table = model._meta.db_table
    plain = f"{table}__plain"
    run = schema_editor.execute
    with schema_editor.connection.cursor() as cursor:
        foreign_keys = _constraints(cursor, table, "f")
        cursor.execute(f'SELECT min("{KEY}"), max(id) FROM "{table}"')
        oldest, last_id = cursor.fetchone()
    run(f'ALTER TABLE "{table}" RENAME TO "{plain}"')
    run(
        f'CREATE TABLE "{table}" (LIKE "{plain}" INCLUDING DEFAULTS'
        f' INCLUDING CONSTRAINTS) PARTITION BY RANGE ("{KEY}")'
    )
    run(f'CREATE TABLE "{default_partition(table)}" PARTITION OF "{table}" DEFAULT')
    months = wanted_months(timezone.now(), settings.ANALYTICS_PARTITION_MONTHS_AHEAD)
    if oldest is not None:  # the months of the rows already stored
        month = month_start(oldest)
        while month < months[0]:
            months.append(month)
            month = add_months(month, 1)
    for month in sorted(months):
        run(
            f'CREATE TABLE "{partition_name(table, month)}" PARTITION OF "{table}"'
            " FOR VALUES FROM (%s) TO (%s)",
            [month, add_months(month, 1)],
        )
    run(f'INSERT INTO "{table}" SELECT * FROM "{plain}"')
    run(f'DROP TABLE "{plain}"')
    run(
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY (id, "{KEY}")'
    )
    run(f'CREATE SEQUENCE "{table}_id_seq" OWNED BY "{table}".id')
    run(f'ALTER TABLE "{table}" ALTER id SET DEFAULT nextval(\'"{table}_id_seq"\')')
    if last_id is not None:
        run(f"SELECT setval('\"{table}_id_seq\"', %s)", [last_id])
    for name, definition in foreign_keys:
        run(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    for index in model._meta.indexes:
        schema_editor.add_index(model, index)


def unpartition_table(schema_editor, model) -> None:
    """Rebuild `model`'s partitioned table as the plain table Django would create."""
    table = model._meta.db_table
    columns = ", ".join(f'"{f.column}"' for f in model._meta.local_concrete_fields)
    run = schema_editor.execute
    run(f'CREATE TEMP TABLE "_{table}_rows" AS SELECT {columns} FROM "{table}"')
    run(f'DROP TABLE "{table}" CASCADE')
    schema_editor.create_model(model)
    run(f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM "_{table}_rows"')
    run(f'DROP TABLE "_{table}_rows"')
    run(
        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'),"
        f' coalesce(max(id), 0) + 1, false) FROM "{table}"'
    )


def add_event_id_claims(schema_editor) -> None:
    """Keep event_id unique across the events' partitions with a claim table."""
    run = schema_editor.execute
    run(f'CREATE TABLE "{EVENT_KEYS}" (event_id uuid PRIMARY KEY)')
    run(
        f'INSERT INTO "{EVENT_KEYS}" SELECT event_id FROM "{ENGAGEMENT}"'
        " WHERE event_id IS NOT NULL"
    )
    # The duplicate lookups of the ingest (event_id = / IN ...) on each partition.
    run(
        f'CREATE INDEX "engagement_event_id_idx" ON "{ENGAGEMENT}" (event_id)'
        " WHERE event_id IS NOT NULL"
    )
    run(
        f"""CREATE FUNCTION {CLAIM_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                IF OLD.event_id IS NOT DISTINCT FROM NEW.event_id THEN
                    RETURN NEW;
                END IF;
                DELETE FROM "{EVENT_KEYS}" WHERE event_id = OLD.event_id;
            END IF;
            IF NEW.event_id IS NOT NULL THEN
                INSERT INTO "{EVENT_KEYS}" (event_id) VALUES (NEW.event_id);
            END IF;
            RETURN NEW;
        END $$"""
    )
    run(
        f"""CREATE FUNCTION {RELEASE_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.event_id IS NOT NULL THEN
                DELETE FROM "{EVENT_KEYS}" WHERE event_id = OLD.event_id;
            END IF;
            RETURN OLD;
        END $$"""
    )
    run(
        f"""CREATE FUNCTION {FORGET_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            TRUNCATE "{EVENT_KEYS}";
            RETURN NULL;
        END $$"""
    )
    run(
        f'CREATE TRIGGER "engagement_claim_event_id" BEFORE INSERT OR UPDATE OF'
        f' event_id ON "{ENGAGEMENT}" FOR EACH ROW EXECUTE FUNCTION {CLAIM_FUNCTION}()'
    )
    # BEFORE, not AFTER: a row moving to another month's partition is deleted from
    # the old one before it is inserted (and claimed) in the new one.
    run(
        f'CREATE TRIGGER "engagement_release_event_id" BEFORE DELETE ON "{ENGAGEMENT}"'
        f" FOR EACH ROW EXECUTE FUNCTION {RELEASE_FUNCTION}()"
    )
    # TRUNCATE (the test runner's flush) fires no row trigger.
    run(
        f'CREATE TRIGGER "engagement_forget_event_ids" AFTER TRUNCATE ON "{ENGAGEMENT}"'
        f" FOR EACH STATEMENT EXECUTE FUNCTION {FORGET_FUNCTION}()"
    )


def drop_event_id_claims(schema_editor) -> None:
    """Undo add_event_id_claims (the triggers go with the events' table)."""
    run = schema_editor.execute
    run(f'DROP TABLE IF EXISTS "{EVENT_KEYS}"')
    for function in (CLAIM_FUNCTION, RELEASE_FUNCTION, FORGET_FUNCTION):
        run(f"DROP FUNCTION IF EXISTS {function}() CASCADE")
