"""Query parameters shared by the API's views: date-range filtering of the lists,
and the user or team a view is narrowed to."""

import django_filters
from django import forms
from rest_framework import serializers

from apps.analytics.limits import MAX_ID, day_bounds_error, day_range_error
from apps.analytics.periods import days_filter


class DateRangeForm(forms.Form):
    """Refuse dates out of bounds and inverted or over-long ranges, naming the field.

    The form of every list filter and of the export, so each date they take is
    checked here.
    """

    def clean(self):
        data = super().clean()
        for name in ("start_date", "end_date"):
            value = data.get(name)
            if value is not None and (error := day_bounds_error(value, name)):
                self.add_error(name, error)  # also drops it from cleaned_data
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and (error := day_range_error(start, end)):
            self.add_error("end_date", error)
        return data


class DateRangeFilterSet(django_filters.FilterSet):
    """`start_date` and `end_date` (YYYY-MM-DD, local days, both included)."""

    date_field = "timestamp"
    start_date = django_filters.DateFilter(method="filter_start")
    end_date = django_filters.DateFilter(method="filter_end")

    class Meta:
        form = DateRangeForm
        fields: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number in self.filters.values():
            if isinstance(number, django_filters.NumberFilter):
                # The number filters of these lists match ids (`user`): whole numbers
                # a column holds. 1.5 matched user 1, and an id beyond MAX_ID was a
                # 500 from the database driver.
                number.extra.update(decimal_places=0, max_value=MAX_ID)

    def filter_start(self, queryset, name, value):
        return queryset.filter(days_filter(self.date_field, first=value))

    def filter_end(self, queryset, name, value):
        return queryset.filter(days_filter(self.date_field, last=value))


class ViewedPartQuery(serializers.Serializer):
    """`user_id` or `team`: the part of the caller's scope a view shows (one
    outside it answers 404, see ScopedAPIView.view_part)."""

    user_id = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Only this user's figures (one the caller may see; else 404).",
    )
    team = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Only this team's figures (one the caller may see; else 404).",
    )

    @staticmethod
    def viewed_part_errors(attrs) -> dict:
        """Return the field errors of the choice (for a subclass's validate)."""
        if attrs.get("user_id") is not None and attrs.get("team") is not None:
            return {"team": "Choose user_id or team, not both."}
        return {}
