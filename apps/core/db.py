"""Database plumbing Django's ORM does not offer: upserts on partial unique indexes."""

from collections.abc import Sequence

from django.db import connection, models
from django.db.models.sql import Query

BATCH_SIZE = 500


def _constraint(model, name: str) -> models.UniqueConstraint:
    for constraint in model._meta.constraints:
        if constraint.name == name and isinstance(constraint, models.UniqueConstraint):
            return constraint
    raise LookupError(f"{model.__name__} has no unique constraint named {name!r}")


def _predicate(model, constraint) -> tuple[str, list]:
    """Compile a partial index's condition exactly as its CREATE INDEX does."""
    if constraint.condition is None:
        return "", []
    query = Query(model=model, alias_cols=False)
    where = query.build_where(constraint.condition)
    sql, params = where.as_sql(query.get_compiler(connection=connection), connection)
    return f" WHERE {sql}", list(params)


def upsert(
    model: type[models.Model],
    objs: Sequence[models.Model],
    *,
    constraint: str,
    update_fields: Sequence[str],
) -> int:
    """Insert `objs`, or update `update_fields` of the row with the same unique key.

    The conflict target is the named UniqueConstraint, partial ones included (its
    condition is repeated so PostgreSQL and SQLite can infer the index, which
    `bulk_create(update_conflicts=True)` cannot). Concurrent upserts of one key never
    duplicate a row. Returns the number of rows sent.
    """
    if not objs:
        return 0
    unique = _constraint(model, constraint)
    fields = [
        f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)
    ]
    by_name = {f.name: f for f in fields}
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    target = ", ".join(quote(by_name[name].column) for name in unique.fields)
    predicate, predicate_params = _predicate(model, unique)
    updates = [*update_fields]
    if "updated_at" in by_name and "updated_at" not in updates:
        updates.append("updated_at")
    assignments = ", ".join(
        f"{quote(by_name[n].column)} = EXCLUDED.{quote(by_name[n].column)}"
        for n in updates
    )
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        for offset in range(0, len(objs), BATCH_SIZE):
            batch = objs[offset : offset + BATCH_SIZE]
            params = []
            for obj in batch:
                for f in fields:
                    # pre_save fills auto_now(_add) timestamps as save() would.
                    value = f.pre_save(obj, add=True)
                    params.append(f.get_db_prep_save(value, connection))
            sql = (
                f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608
                f"VALUES {', '.join([row_sql] * len(batch))} "
                f"ON CONFLICT ({target}){predicate} DO UPDATE SET {assignments}"
            )
            cursor.execute(sql, [*params, *predicate_params])
    return len(objs)
