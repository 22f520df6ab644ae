"""Whose data a report covers: what its requester may see (metrics.md, Access)."""

from dataclasses import dataclass

from apps.accounts.models import Role, User


@dataclass(frozen=True)
class ReportScope:
    """The users a report covers; `user_ids=None` means the whole organisation."""

    kind: str
    label: str
    user_ids: tuple[int, ...] | None = None

    @property
    def includes_system_health(self) -> bool:
        """System health is for managers and admins: organisation or team reports."""
        return self.kind != "user"

    @property
    def key(self) -> str:
        """Identify the scope, for finding a report already generated for it."""
        if self.user_ids is None:
            return "organisation"
        return f"{self.kind}:" + ",".join(str(pk) for pk in self.user_ids)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "label": self.label,
            "user_ids": None if self.user_ids is None else list(self.user_ids),
        }


ORGANISATION = ReportScope(kind="organisation", label="Whole organisation")


def scope_for(requester) -> ReportScope:
    """Return the scope a requester may see: all, their team, or themselves."""
    if requester is None:  # scheduled reports
        return ORGANISATION
    role = requester.effective_role
    if role == Role.ADMIN:
        return ORGANISATION
    if role == Role.MANAGER and requester.team_id is not None:
        ids = User.objects.visible_to(requester).values_list("pk", flat=True)
        return ReportScope("team", requester.team.name, tuple(sorted(ids)))
    return user_scope(requester)


def user_scope(user) -> ReportScope:
    """Return the scope of one user's own data."""
    return ReportScope("user", user.get_full_name() or user.username, (user.pk,))
