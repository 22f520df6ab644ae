"""URL configuration: admin, sign-in, the versioned API, its docs and the web app."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.accounts.forms import ThrottledAuthenticationForm
from apps.analytics.api.prometheus import MetricsView
from apps.core.views import home

# The same Swagger UI page with nonces on its inline style and script (CSP).
api_docs = SpectacularSwaggerView.as_view(
    url_name="schema", template_name="core/api_docs.html"
)
if not settings.API_DOCS_PUBLIC:
    # A visitor is sent to log in rather than shown a bare 401 (the schema itself
    # answers 401 through SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]).
    api_docs = login_required(api_docs)

# Django's auth views with the project's templates; LoginView honours `next` only
# for this host (url_has_allowed_host_and_scheme). Logout is POST only.
auth_patterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=ThrottledAuthenticationForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include(auth_patterns)),
    path("admin/", admin.site.urls),
    path("api/v1/auth/", include("apps.accounts.urls")),
    path("api/v1/analytics/", include("apps.analytics.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", api_docs, name="api-docs"),
    # Prometheus's default scrape path.
    path("metrics", MetricsView.as_view(), name="metrics"),
    path("", include("apps.analytics.urls")),
]

# JSON for unknown API paths, the usual page elsewhere (used when DEBUG is off).
handler404 = "apps.core.views.not_found"
