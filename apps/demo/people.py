"""The demo organisation: two teams, the four named logins and more reps."""

import random
from dataclasses import dataclass
from datetime import timedelta

from apps.accounts.models import Role, Team, User
from apps.demo.base import DEMO_EMAIL_DOMAIN, Timeline, bulk
from apps.demo.vocabulary import FIRST_NAMES, LAST_NAMES

TEAM_NAMES = ("Team Alpha", "Team Beta")
# Each team works with its own CRM, as teams that grew apart often do.
TEAM_PROVIDERS = {"Team Alpha": "salesforce", "Team Beta": "hubspot"}

# username, first name, last name, role, team index (None: no team).
NAMED_USERS = (
    ("admin", "Alex", "Admin", Role.ADMIN, None),
    ("manager", "Maria", "Manager", Role.MANAGER, 0),
    ("member", "Max", "Member", Role.MEMBER, 0),
    ("other", "Olivia", "Other", Role.MEMBER, 1),
    ("manager2", "Morgan", "Manager", Role.MANAGER, 1),
)


@dataclass(frozen=True)
class Person:
    """A demo user and the habits that make their data differ from the others'."""

    user: User
    team_name: str | None
    activity: float  # meetings per weekday, before seasonality and trend
    diligence: float  # how reliably they complete debriefings and reviews
    engagement: float  # how often they open the product

    @property
    def is_rep(self) -> bool:
        """Return whether they hold customer meetings (all but the admin)."""
        return self.user.role != Role.ADMIN

    @property
    def provider(self) -> str | None:
        """Return the CRM their team syncs with."""
        return TEAM_PROVIDERS.get(self.team_name)


def planned_usernames(count: int) -> list[str]:
    """Return the usernames `count` demo users get, in creation order."""
    return [spec[0] for spec in _user_specs(count)]


def _user_specs(count: int) -> list[tuple]:
    """Return (username, first, last, role, team index) for `count` users."""
    specs = list(NAMED_USERS[:count])
    for n in range(count - len(specs)):
        first = FIRST_NAMES[n % len(FIRST_NAMES)]
        last = LAST_NAMES[(n * 7) % len(LAST_NAMES)]
        rounds = n // len(FIRST_NAMES)
        username = first.lower() + (str(rounds + 1) if rounds else "")
        specs.append((username, first, last, Role.MEMBER, n % 2))
    return specs


def create_people(
    rng: random.Random, *, count: int, password_hash: str, timeline: Timeline
) -> tuple[list[Team], list[Person]]:
    """Create the teams and `count` users sharing one password hash."""
    teams = [Team.objects.get_or_create(name=name)[0] for name in TEAM_NAMES]
    joined = timeline.start - timedelta(days=30)
    users, people = [], []
    for username, first, last, role, team_index in _user_specs(count):
        team = teams[team_index] if team_index is not None else None
        user = User(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@{DEMO_EMAIL_DOMAIN}",
            password=password_hash,
            role=role,
            team=team,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
            date_joined=joined,
        )
        users.append(user)
        people.append(
            Person(
                user=user,
                team_name=team.name if team else None,
                activity=rng.uniform(2.5, 5.5),
                diligence=rng.uniform(0.65, 0.97),
                engagement=rng.uniform(0.5, 1.0),
            )
        )
    bulk(User, users)
    return teams, people
