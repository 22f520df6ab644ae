"""URL configuration: admin, the versioned API, its docs, home and report pages."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

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

urlpatterns = [
    path("", home, name="home"),
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
