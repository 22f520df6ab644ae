"""The API's one pagination: count, next, previous, results; page_size up to a cap."""

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
