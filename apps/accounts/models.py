"""Users, teams and roles (who may see what is decided in apps.accounts.scope)."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from apps.core.models import TimeStampedModel


class Team(TimeStampedModel):
    """A sales team; its manager sees its members' data."""

    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    MEMBER = "member", "Member"


class User(AbstractUser):
    """The project's user: a role and an optional team on top of Django's user."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )

    class Meta:
        ordering = ["username"]
        indexes = [models.Index(fields=["team", "role"])]

    def __str__(self):
        return self.username

    @property
    def effective_role(self) -> str:
        """The role access checks use: a superuser counts as admin."""
        return Role.ADMIN if self.is_superuser else self.role


class AccessTokenQuerySet(models.QuerySet):
    def active(self):
        """Return the tokens that still authenticate: not revoked, not expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())

    def revoke(self) -> int:
        """Revoke the active tokens among these; return how many."""
        return self.active().update(revoked_at=timezone.now())


class AccessToken(models.Model):
    """An API token: only the SHA-256 of its key is stored, never the key itself.

    The key is shown once, when the token is issued (apps.accounts.tokens). A user
    may hold several tokens (one per login or client); each expires and can be
    revoked on its own.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="access_tokens"
    )
    name = models.CharField(max_length=100, blank=True)
    # Hex SHA-256 of the key: what authentication looks up.
    key_hash = models.CharField(max_length=64, unique=True)
    # The key's first characters, to tell tokens apart in the admin; not a secret.
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()
