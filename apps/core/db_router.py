"""Reads of dashboards, lists and exports from a read replica, when one is set.

With DATABASE_REPLICA_URL the `replica` database alias exists and this router is
installed. A view opts in (`ScopedAPIView.reads_from_replica`); while it serves a
GET, reads of the analytics and source data go to the replica. Everything else
reads the primary (`default`):

- writes, always (the audit rows a read leaves included);
- reads inside a transaction, which must see what the transaction wrote;
- users, teams, tokens and sessions: small tables, and a login or a token just
  created must work at once, whatever the replica's lag.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
# The apps whose rows dashboards, lists and exports read in bulk.
REPLICATED_APPS = {"analytics", "meetings", "debriefings", "crm"}

_reading_from_replica: ContextVar[bool] = ContextVar(
    "reading_from_replica", default=False
)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Let the reads in this block go to the replica (where the router allows)."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def replica_configured() -> bool:
    return REPLICA in connections.settings


class ReplicaRouter:
    """Send opted-in reads to the replica; everything else to the primary."""

    def db_for_read(self, model, **hints):
        if not _reading_from_replica.get() or not replica_configured():
            return None
        if model._meta.app_label not in REPLICATED_APPS:
            return None
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows, whichever copy they were read from

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # the replica follows the primary's schema
