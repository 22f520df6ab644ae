"""Who may see what: the one place metrics.md's Access rule is written.

A `Scope` is resolved once at each edge (per API request, page, command invocation
or task) and passed down as an argument: selectors filter by it, services and
reports take it, caches key on it and the audit log reads from it whose data was
served. Nothing else decides visibility from roles or teams.

- admin: everything (`user_ids is None`);
- manager: themselves and their team's members, plus organisation-wide figures;
- member: only themselves;
- the system (schedules, commands): everything, like an admin.
"""

from dataclasses import dataclass, replace

from django.db.models import Q

from apps.accounts.models import Role, User

SYSTEM = "system"  # the role of scheduled and command-line work
ORGANISATION_LABEL = "Whole organisation"


class Permission:
    """What a role may do beyond reading its users' rows."""

    ORGANISATION_FIGURES = "organisation_figures"  # rows with no user
    SYSTEM_HEALTH_STATUS = "system_health_status"  # the overall status
    RAW_SYSTEM_HEALTH = "raw_system_health"  # every reading, exports of them
    AUDIT_LOG = "audit_log"
    PERSONAL_DATA = "personal_data"  # anyone's archive, erasure, pseudonymity
    ALERTS = "alerts"  # the alerts of the rules a scope covers
    MANAGE_ALERTS = "manage_alerts"  # rules, silences, acknowledgements


_EVERYTHING = frozenset(
    value for name, value in vars(Permission).items() if name.isupper()
)
ROLE_PERMISSIONS = {
    SYSTEM: _EVERYTHING,
    Role.ADMIN: _EVERYTHING,
    Role.MANAGER: frozenset(
        {
            Permission.ORGANISATION_FIGURES,
            Permission.SYSTEM_HEALTH_STATUS,
            Permission.ALERTS,
        }
    ),
    Role.MEMBER: frozenset(),
}


class ScopeKind:
    ORGANISATION = "organisation"
    TEAM = "team"
    USER = "user"


@dataclass(frozen=True)
class Scope:
    """Whose data a piece of work covers, and on whose behalf it runs.

    `user_ids=None` covers every user (and organisation-wide rows); otherwise the
    tuple is sorted. `viewer_id=None` is the system. A scope narrowed to chosen
    users keeps the viewer and role but no longer covers organisation-wide rows.
    """

    kind: str
    label: str
    user_ids: tuple[int, ...] | None
    role: str = SYSTEM
    viewer_id: int | None = None
    narrowed: bool = False

    # -- resolving -----------------------------------------------------------------

    @classmethod
    def for_viewer(cls, viewer) -> "Scope":
        """Return what `viewer` may see (one query for a manager's team and name)."""
        if not getattr(viewer, "is_authenticated", False):
            return cls(ScopeKind.USER, "nobody", (), role=Role.MEMBER)
        role = viewer.effective_role
        if role == Role.ADMIN:
            return cls(
                ScopeKind.ORGANISATION, ORGANISATION_LABEL, None, role, viewer.pk
            )
        if role == Role.MANAGER and viewer.team_id is not None:
            rows = User.objects.filter(
                Q(pk=viewer.pk) | Q(team_id=viewer.team_id)
            ).values_list("pk", "team__name")
            ids = tuple(sorted(pk for pk, _ in rows))
            name = next((team for _, team in rows if team), "")
            return cls(ScopeKind.TEAM, name, ids, role, viewer.pk)
        label = viewer.get_full_name() or viewer.username
        return cls(ScopeKind.USER, label, (viewer.pk,), Role.MEMBER, viewer.pk)

    @classmethod
    def system(cls) -> "Scope":
        """Return the scope of scheduled and command-line work: the organisation."""
        return cls(ScopeKind.ORGANISATION, ORGANISATION_LABEL, None)

    @classmethod
    def from_dict(cls, data: dict) -> "Scope":
        """Rebuild a stored scope (a report's parameters) for building later."""
        ids = data.get("user_ids")
        return cls(
            data["kind"],
            data["label"],
            None if ids is None else tuple(ids),
            narrowed=data["kind"] != ScopeKind.ORGANISATION,
        )

    def narrow(self, users) -> "Scope":
        """Return this scope limited to some users (instances or ids).

        Raises PermissionError naming the first user this scope does not cover (a
        user who does not exist included: to the caller, they look the same).
        """
        ids = tuple(sorted({getattr(u, "pk", u) for u in users}))
        if not ids:
            raise ValueError("narrow() needs at least one user")
        found = {user.pk: user for user in User.objects.filter(pk__in=ids)}
        outside = [pk for pk in ids if pk not in found or not self.includes(pk)]
        if outside:
            raise PermissionError(f"user {outside[0]} is not in the caller's scope")
        if len(ids) == 1:
            user = found[ids[0]]
            label = user.get_full_name() or user.username
            kind = ScopeKind.USER
        else:
            shown = sorted(user.username for user in found.values())
            label = ", ".join(shown[:3]) + (
                f" and {len(shown) - 3} more" if len(shown) > 3 else ""
            )
            kind = ScopeKind.TEAM
        return replace(self, kind=kind, label=label, user_ids=ids, narrowed=True)

    def narrow_to_team(self, team_id) -> "Scope":
        """Return this scope limited to one team's members, labelled by its name.

        Raises PermissionError when the team does not exist, has no members or
        has one this scope does not cover (to the caller, all look the same).
        """
        members = list(User.objects.filter(team_id=team_id).select_related("team"))
        if not members:
            raise PermissionError(f"team {team_id} is not in the caller's scope")
        narrowed = self.narrow(members)
        return replace(narrowed, kind=ScopeKind.TEAM, label=members[0].team.name)

    def viewing(self, *, user_id=None, team_id=None) -> "Scope":
        """Return the part of this scope a page or request asks to look at.

        No choice: the whole scope. Raises PermissionError for a user or team
        outside it, so the caller answers 404 exactly as for one that is absent.
        """
        if user_id is not None and team_id is not None:
            raise ValueError("choose a user or a team, not both")
        if user_id is not None:
            return self.narrow([user_id])
        if team_id is not None:
            return self.narrow_to_team(team_id)
        return self

    # -- asking --------------------------------------------------------------------

    @property
    def covers_everyone(self) -> bool:
        return self.user_ids is None

    def includes(self, user_id) -> bool:
        """Tell whether this scope covers a user's data."""
        return self.user_ids is None or user_id in self.user_ids

    def allows(self, permission: str) -> bool:
        """Tell whether the role behind this scope has a permission."""
        return permission in ROLE_PERMISSIONS.get(self.role, frozenset())

    @property
    def includes_organisation_rows(self) -> bool:
        """Organisation-wide figures (user NULL): managers' and admins' own scope."""
        return not self.narrowed and self.allows(Permission.ORGANISATION_FIGURES)

    @property
    def includes_system_health(self) -> bool:
        """Whether reports for this scope show system health (not a user's own)."""
        return self.kind != ScopeKind.USER

    def other_user_ids(self) -> list | None:
        """Return the covered users besides the viewer; None means everyone."""
        if self.user_ids is None:
            return None
        return [pk for pk in self.user_ids if pk != self.viewer_id]

    @property
    def key(self) -> str:
        """Identify whose data this is (reusing reports, keying caches)."""
        if self.user_ids is None:
            return ScopeKind.ORGANISATION
        return f"{self.kind}:" + ",".join(str(pk) for pk in self.user_ids)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "label": self.label,
            "user_ids": None if self.user_ids is None else list(self.user_ids),
        }

    # -- filtering -----------------------------------------------------------------

    def users(self):
        """Return the users this scope covers."""
        users = User.objects.all()
        return users if self.user_ids is None else users.filter(pk__in=self.user_ids)

    def filter(self, queryset, user_field: str = "user", *, organisation_rows=False):
        """Narrow rows owned through `user_field` to this scope's.

        With `organisation_rows`, rows with no user (organisation-wide figures) are
        kept for a scope that includes them.
        """
        if self.user_ids is None:
            return queryset
        allowed = Q(**{f"{user_field}__in": self.user_ids})
        if organisation_rows and self.includes_organisation_rows:
            allowed |= Q(**{f"{user_field}__isnull": True})
        return queryset.filter(allowed)

    def filter_owned(self, queryset, *, user_field: str, team_field: str):
        """Narrow rows owned by a user, a team (user NULL) or the organisation (both
        NULL) to this scope's: its users', the teams it covers whole, and
        organisation rows where the scope includes them.

        A team's row pools its members' data, so a scope missing one of them (a
        member's own) does not read it.
        """
        if self.user_ids is None:
            return queryset
        teams = (
            User.objects.filter(pk__in=self.user_ids)
            .exclude(team=None)
            .exclude(team__members__in=User.objects.exclude(pk__in=self.user_ids))
            .values("team")
        )
        allowed = Q(**{f"{user_field}__in": self.user_ids}) | Q(
            **{f"{user_field}__isnull": True, f"{team_field}__in": teams}
        )
        if self.includes_organisation_rows:
            allowed |= Q(
                **{f"{user_field}__isnull": True, f"{team_field}__isnull": True}
            )
        return queryset.filter(allowed)

    def filter_reports(self, queryset, *, per_user_types=()):
        """Narrow reports to those this scope may read.

        Anyone reads the reports they requested, reports about users they cover,
        and reports those users requested about themselves or their team; scopes
        with organisation figures also read organisation-wide reports, except the
        types in `per_user_types`, which list every user one by one.
        """
        if self.user_ids is None:
            return queryset
        about_people = Q(parameters__scope_key__startswith="user:") | Q(
            parameters__scope_key__startswith="team:"
        )
        allowed = Q(subject_user_id__in=self.user_ids) | (
            Q(created_by_id__in=self.user_ids) & about_people
        )
        if self.viewer_id is not None:
            allowed |= Q(created_by_id=self.viewer_id)
        if self.includes_organisation_rows:
            allowed |= Q(parameters__scope_key=ScopeKind.ORGANISATION) & ~Q(
                report_type__in=per_user_types
            )
        return queryset.filter(allowed)
