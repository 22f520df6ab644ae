"""The API's one pagination: count, next, previous, results; page_size up to a cap."""

import json
from functools import cached_property

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

MAX_PAGE_SIZE = 500


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        """Refuse a page that is not a whole number from 1 (400); past the end: 404."""
        raw = request.query_params.get(self.page_query_param)
        named_last = raw in self.last_page_strings
        # ASCII digits only: "²" is a digit to str.isdigit() but not to int().
        whole = raw is not None and raw.isascii() and raw.isdigit()
        if raw is not None and not named_last and (not whole or int(raw) < 1):
            raise ValidationError({"page": ["page must be a whole number from 1."]})
        return super().paginate_queryset(queryset, request, view)


# Up to this many rows a list's count is exact; past it, PostgreSQL's estimate.
EXACT_COUNT_LIMIT = 10_000


class EstimatedCountPaginator(Paginator):
    """A paginator whose count stops being exact past EXACT_COUNT_LIMIT rows.

    Counting every visible row of a table of millions costs more than the page
    itself (a full index or table scan per request). Up to the limit the count
    is exact (a COUNT over at most limit + 1 rows); past it, on PostgreSQL, it is
    the planner's row estimate for the same query (never below the limit + 1), so
    `count` and the page links stay in the same shape, approximately right.
    """

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return len(rows)
        seen = rows.order_by()[: EXACT_COUNT_LIMIT + 1].count()
        if seen <= EXACT_COUNT_LIMIT or connection.vendor != "postgresql":
            return seen if seen <= EXACT_COUNT_LIMIT else rows.count()
        sql, params = rows.order_by().values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return max(seen, int(plan[0]["Plan"]["Plan Rows"]))


class EstimatedCountPagination(StandardPagination):
    """StandardPagination for lists of millions of rows: see EstimatedCountPaginator."""

    django_paginator_class = EstimatedCountPaginator
