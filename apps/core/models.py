"""The base model every table of the project shares."""

from django.conf import settings
from django.db import models


class TimeStampedModel(models.Model):
    """Add `created_at` and `updated_at`, as domain.md assumes on every model."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    READ_OTHER = "read_other", "Read another user's data"
    EXPORT = "export", "Export"
    GENERATE_REPORT = "generate_report", "Report generation"
    DENIED = "denied", "Denied access"
    VIEW_REPORT = "view_report", "Report page or download"
    LOGIN = "login", "Login"
    LOGIN_FAILED = "login_failed", "Failed login"
    TOKEN_REVOKED = "token_revoked", "Token revoked"
    PRIVACY_EXPORT = "privacy_export", "Personal data export"
    PRIVACY_ERASE = "privacy_erase", "Personal data erasure"
    DATA_CLEANUP = "data_cleanup", "Retention cleanup"


class AuditLog(models.Model):
    """One audited API call: who, what, on which objects, from where, its outcome."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text too, so the trail survives the user's deletion.
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=512)
    parameters = models.JSONField(default=dict, blank=True)
    object_ids = models.JSONField(default=list, blank=True)
    status_code = models.PositiveSmallIntegerField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "created_at"]),
            models.Index(fields=["action", "created_at"]),
        ]

    def __str__(self):
        who = self.username or "anonymous"
        return f"{who} {self.action} {self.path} ({self.status_code})"
