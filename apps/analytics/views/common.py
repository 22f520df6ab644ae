"""What every page shares: the viewer's scope, the part of it chosen, navigation."""

from urllib.parse import urlencode

from django import forms
from django.http import Http404

from apps.accounts.models import Team
from apps.accounts.scope import Scope, ScopeKind
from apps.analytics.limits import MAX_DASHBOARD_DAYS, MAX_ID, day_bounds_error
from apps.core import audit
from apps.core.models import AuditAction


def _id(raw) -> int | None:
    """Read an id from the query string; anything else names nobody (404)."""
    if raw in (None, ""):
        return None
    if not str(raw).isdigit() or not 0 < int(raw) <= MAX_ID:
        raise Http404("No such user or team.")
    return int(raw)


def page_scopes(request) -> tuple[Scope, Scope]:
    """Return the viewer's scope and the part the page shows (`user_id`, `team`).

    A user or team outside the viewer's scope answers 404, as one that does not
    exist: the page is not rendered.
    """
    scope = Scope.for_viewer(request.user)
    user_id, team_id = _id(request.GET.get("user_id")), _id(request.GET.get("team"))
    try:
        viewed = scope.viewing(user_id=user_id, team_id=team_id)
    except (PermissionError, ValueError):
        audit.record(request, AuditAction.DENIED, 404, [user_id or team_id])
        raise Http404("No such user or team.") from None
    return scope, viewed


def view_choices(scope: Scope, viewed: Scope) -> list[dict]:
    """Return whose figures the viewer may switch to: their scope, its teams and
    users (admins), or their team and its members (managers); nothing for members.
    """
    if scope.kind == ScopeKind.USER:
        return []
    choices = [{"label": scope.label, "query": ""}]
    if scope.covers_everyone:
        teams = Team.objects.filter(pk__in=scope.users().values("team")).order_by(
            "name"
        )
        choices += [
            {"label": f"Team: {team.name}", "query": urlencode({"team": team.pk})}
            for team in teams
        ]
    for user in scope.users().order_by("username"):
        name = user.get_full_name() or user.username
        if user.pk == scope.viewer_id:
            name += " (me)"
        choices.append({"label": name, "query": urlencode({"user_id": user.pk})})
    selected = _query_of(viewed)
    for choice in choices:
        choice["selected"] = choice["query"] == selected
    return choices


def _query_of(viewed: Scope) -> str:
    if not viewed.narrowed:
        return ""
    if viewed.kind == ScopeKind.USER:
        return urlencode({"user_id": viewed.user_ids[0]})
    team = Team.objects.filter(members__pk=viewed.user_ids[0]).first()
    return urlencode({"team": team.pk}) if team else ""


PERIOD_CHOICES = (7, 30, 90)


class PeriodForm(forms.Form):
    """The period of a page: the last `days` days, or local days `start`..`end`,
    checked by the same limits as the dashboard API."""

    days = forms.IntegerField(min_value=1, max_value=MAX_DASHBOARD_DAYS, required=False)
    start = forms.DateField(required=False)
    end = forms.DateField(required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None) and not self.errors:
            self.add_error(
                "end" if end is None else "start", "start and end go together."
            )
        for name in ("start", "end"):
            if data.get(name) and (error := day_bounds_error(data[name], name)):
                self.add_error(name, error)
        if data.get("start") and data.get("end"):
            if data["end"] < data["start"]:
                self.add_error("end", "end must not be before start.")
            elif (data["end"] - data["start"]).days + 1 > MAX_DASHBOARD_DAYS:
                self.add_error(
                    "end", f"A dashboard covers at most {MAX_DASHBOARD_DAYS} days."
                )
        return data

    def window(self, default_days: int) -> dict:
        """Return the keyword arguments of the dashboard services."""
        data = self.cleaned_data
        if data.get("start"):
            return {"days": None, "first_day": data["start"], "last_day": data["end"]}
        return {"days": data.get("days") or default_days}
