"""Login forms (admin and web app), throttled and audited like the token endpoint."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from apps.accounts.login import log_in


class ThrottledLoginMixin:
    """Log in through `log_in`: the same failure counters and audit as the API."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            result = log_in(self.request, username=username, password=password)
            if result.retry_after is not None:
                minutes = -(-result.retry_after // 60)
                raise forms.ValidationError(
                    "Too many failed logins for this username or address. "
                    "Try again in %(minutes)d minute(s).",
                    code="locked_out",
                    params={"minutes": minutes},
                )
            if result.unaudited:
                raise forms.ValidationError(
                    "Logins cannot be recorded right now; try again shortly.",
                    code="unaudited",
                )
            if result.user is None:
                raise self.get_invalid_login_error()
            self.user_cache = result.user
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's login form (staff only)."""


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    """The web app's login form (every role)."""
