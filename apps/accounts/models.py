"""Users, teams and roles (who may see what is decided in apps.accounts.scope)."""

from django.contrib.auth.models import AbstractUser
from django.db import models

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
