"""Users, teams and roles: who may see whose analytics."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q

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


class UserQuerySet(models.QuerySet):
    def visible_to(self, viewer):
        """Users whose data `viewer` may see: all (admin), own team (manager), self."""
        if not getattr(viewer, "is_authenticated", False):
            return self.none()
        role = viewer.effective_role
        if role == Role.ADMIN:
            return self
        if role == Role.MANAGER and viewer.team_id is not None:
            return self.filter(Q(pk=viewer.pk) | Q(team_id=viewer.team_id))
        return self.filter(pk=viewer.pk)


class AnalyticsUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """The project's user: a role and an optional team on top of Django's user."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )

    objects = AnalyticsUserManager()

    class Meta:
        ordering = ["username"]
        indexes = [models.Index(fields=["team", "role"])]

    def __str__(self):
        return self.username

    @property
    def effective_role(self) -> str:
        """The role access checks use: a superuser counts as admin."""
        return Role.ADMIN if self.is_superuser else self.role

    def manages(self, other) -> bool:
        """Whether this user may see `other`'s data (themselves included)."""
        role = self.effective_role
        if role == Role.ADMIN or other.pk == self.pk:
            return True
        return (
            role == Role.MANAGER
            and self.team_id is not None
            and other.team_id == self.team_id
        )
