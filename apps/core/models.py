"""The base model every table of the project shares."""

from django.db import models


class TimeStampedModel(models.Model):
    """Add `created_at` and `updated_at`, as domain.md assumes on every model."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
